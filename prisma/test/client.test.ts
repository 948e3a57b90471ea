import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { createDatabase, Prisma } from '../src/index.js';
import type { TestDatabase } from './helpers/postgres.js';
import { createTestDatabase } from './helpers/postgres.js';

describe('createDatabase on PostgreSQL', () => {
  let server: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    server = await createTestDatabase('client');
    db = await createDatabase({ url: server.url }, { migrate: true });
  });
  afterAll(async () => {
    await db?.close();
    await server?.drop();
  });

  it('migrates on request before handing out the client', () => {
    expect(db.migrations?.applied.length).toBeGreaterThan(0);
  });

  it('creates and reads an app with its array fields', async () => {
    await db.prisma.app.create({
      data: {
        name: 'myapp',
        ownerGroups: ['team-a@example.com', 'team-b@example.com'],
        deployers: ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:*'],
        createdBy: 'alice@example.com',
      },
    });
    const app = await db.prisma.app.findUniqueOrThrow({ where: { name: 'myapp' } });
    expect(app).toMatchObject({
      name: 'myapp',
      ownerGroups: ['team-a@example.com', 'team-b@example.com'],
      deployers: ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:*'],
      revealGroups: [],
      createdBy: 'alice@example.com',
    });
    expect(app.createdAt).toBeInstanceOf(Date);
    expect(app.updatedAt).toBeInstanceOf(Date);
    expect(await db.prisma.app.findMany({ where: { ownerGroups: { has: 'team-b@example.com' } } })).toHaveLength(1);
  });

  it('binds an app to a cluster once per pair, with a unique role name', async () => {
    await db.prisma.cluster.create({
      data: {
        name: 'aws.stg',
        cloud: 'aws',
        env: 'stg',
        controllerSubjects: ['system:serviceaccount:x'],
        createdBy: 'admin',
      },
    });
    const binding = {
      appName: 'myapp',
      clusterName: 'aws.stg',
      roleName: 'aws.stg.myapp',
      roleId: 'role-id-1',
      templateHash: 'h1',
      ensuredBy: 'ci',
    };
    await db.prisma.appRoleBinding.create({ data: binding });
    const again = await db.prisma.appRoleBinding.create({ data: binding }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((again as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');

    const found = await db.prisma.appRoleBinding.findUniqueOrThrow({
      where: { appName_clusterName: { appName: 'myapp', clusterName: 'aws.stg' } },
      include: { app: true, cluster: true },
    });
    expect(found).toMatchObject({ roleName: 'aws.stg.myapp', app: { name: 'myapp' }, cluster: { env: 'stg' } });
  });

  it('keeps a cluster that still has bindings, and drops an app’s bindings with the app', async () => {
    await expect(db.prisma.cluster.delete({ where: { name: 'aws.stg' } })).rejects.toThrow();
    await db.prisma.app.delete({ where: { name: 'myapp' } });
    expect(await db.prisma.appRoleBinding.count()).toBe(0);
    await db.prisma.cluster.delete({ where: { name: 'aws.stg' } });
  });
});
