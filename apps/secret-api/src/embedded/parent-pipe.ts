/** The pipe between the API and each embedded child (own-child.ts opens it, parent-watch.ts watches it). */

/** Where the child finds the pipe: the first descriptor after stdin, stdout and stderr. */
export const PARENT_PIPE_FD = 3;
/** Names the pipe's descriptor in the child's environment; its presence is what switches the watch on. */
export const PARENT_PIPE_FD_VARIABLE = 'SECRET_API_EMBEDDED_PARENT_FD';
