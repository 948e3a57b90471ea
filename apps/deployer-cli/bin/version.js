// `deployer --version` without loading oclif (issue 15): the line oclif prints for it, `config.userAgent` of
// @oclif/core's Config (`<name>/<version> <platform>-<arch> node-<version>`), built the same way from the same
// package.json. test/start-up.test.ts checks it against oclif's own for every change.
import { readFileSync, statSync } from 'node:fs';
import { arch, platform, release } from 'node:os';

// As oclif's `is-wsl` (v2, with is-docker) decides it: `wsl` in place of `linux` under WSL, not in a container.
function isDocker() {
  try {
    statSync('/.dockerenv');
    return true;
  } catch {
    try {
      return readFileSync('/proc/self/cgroup', 'utf8').includes('docker');
    } catch {
      return false;
    }
  }
}

function isWsl() {
  if (process.platform !== 'linux') return false;
  if (release().toLowerCase().includes('microsoft')) return !isDocker();
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft') ? !isDocker() : false;
  } catch {
    return false;
  }
}

/** What oclif's main prints for `--version`, from the package.json next to bin/. */
export function versionLine() {
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = pjson.version || '0.0.0';
  const cpu = arch() === 'ia32' ? 'x86' : arch();
  return `${pjson.name}/${version} ${isWsl() ? 'wsl' : platform()}-${cpu} node-${process.version}`;
}
