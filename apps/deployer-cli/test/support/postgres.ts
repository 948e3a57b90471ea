// A throwaway PostgreSQL database per test file (see @secret-api/testing).
import { createTestDatabase as create, SERVER_URL, type TestDatabase } from '@secret-api/testing';

export { SERVER_URL, type TestDatabase };

export const createTestDatabase = (label: string): Promise<TestDatabase> =>
  create(label, { prefix: 'deployer_cli_test' });
