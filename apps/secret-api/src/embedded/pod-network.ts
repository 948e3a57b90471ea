/**
 * Preloaded (NODE_OPTIONS=--import) into the processes the embedded Kubernetes stand-in runs as a pod's containers:
 * every outgoing connection leaves from the pod's IP (POD_IP), as it would from the pod's network namespace.
 * Without it, a process on 127.10.x.y would reach Vault from 127.0.0.1, and a SecretID bound to its pod IP
 * (the controller asks for `<podIP>/32`) could not log in.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

const ip = process.env['POD_IP'];
if (ip) {
  for (const Agent of [http.Agent, https.Agent]) {
    const prototype = Agent.prototype as unknown as {
      createConnection: (options: object, callback?: unknown) => Socket;
    };
    const original = prototype.createConnection;
    prototype.createConnection = function (this: unknown, options: object, callback?: unknown) {
      return original.call(this, { ...options, localAddress: ip }, callback);
    };
  }
}
