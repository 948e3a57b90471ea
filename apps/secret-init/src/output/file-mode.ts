/**
 * SECRET_INIT_FILE_MODE: the mode of rendered files and the env file, written in octal as for chmod
 * (`0640`, `640` or `0o640`). The files hold secrets, so the mode may open them to the group (the
 * pod's fsGroup, which an app container running as another uid shares) but never to other users,
 * and the owner must be able to read what it wrote.
 */
const OCTAL_MODE = /^(?:0o|0)?([0-7]{3})$/;

/** Why `text` is not an acceptable file mode, or undefined when it is. */
export function fileModeProblem(text: string): string | undefined {
  const match = OCTAL_MODE.exec(text);
  if (!match) return 'must be an octal file mode such as 0640 (three octal digits, no setuid/setgid/sticky bits)';
  const mode = parseInt(match[1]!, 8);
  if ((mode & 0o007) !== 0) return `must give other users no access (the last digit must be 0, e.g. 0640; got ${text})`;
  if ((mode & 0o400) === 0) return `must let the owner read the files (e.g. 0640; got ${text})`;
  return undefined;
}

/** The mode `text` stands for; call only after fileModeProblem found none. */
export function parseFileMode(text: string): number {
  return parseInt(OCTAL_MODE.exec(text)![1]!, 8);
}
