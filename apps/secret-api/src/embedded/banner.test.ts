import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderBanner } from './banner.js';

const base = {
  apiUrl: 'http://127.0.0.1:8080',
  vault: { address: 'http://127.0.0.1:8200', rootToken: 'root' },
  adminToken: 'eyJ.admin.token',
  adminGroup: 'secret-api-admins',
};

describe('the banner', () => {
  it('names a data directory other than ./.data in its dev-token line: another shell has no DATA_DIR', () => {
    const own = renderBanner({ ...base, dataDir: '/tmp/my data' });
    expect(own).toContain("npx secret-api dev-token --data-dir '/tmp/my data' --subject alice@example.com");
    const usual = renderBanner({ ...base, dataDir: resolve('.data') });
    expect(usual).toContain('npx secret-api dev-token --subject alice@example.com');
  });
});
