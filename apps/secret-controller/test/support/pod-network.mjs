// Preloaded (NODE_OPTIONS=--import) into processes kube-dev runs as a pod's containers: every outgoing
// connection leaves from the pod's IP (POD_IP), as it would from the pod's network namespace. Without it a
// process on 127.10.x.y would reach Vault from 127.0.0.1, and a SecretID bound to its pod IP could not log in.
import http from 'node:http';
import process from 'node:process';
import https from 'node:https';

const ip = process.env.POD_IP;
if (ip) {
  for (const Agent of [http.Agent, https.Agent]) {
    const original = Agent.prototype.createConnection;
    Agent.prototype.createConnection = function (options, callback) {
      return original.call(this, { ...options, localAddress: ip }, callback);
    };
  }
}
