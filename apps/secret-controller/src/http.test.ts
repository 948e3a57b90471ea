import { startIdleClosingServer } from '@secret-api/testing';
import { describe, expect, it } from 'vitest';
import { agentFor, request } from './http.js';

describe('connections to the Secret API and the Kubernetes API', () => {
  it('are dropped by the controller before the server closes them idle, which would reset a request sent into the close', async () => {
    const server = await startIdleClosingServer();
    const agent = agentFor(server.url);
    try {
      expect((await request(`${server.url}/healthz`, agent, { method: 'GET' })).status).toBe(404);
      await server.firstClose();
      expect(server.closedBy).toEqual(['client']);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
