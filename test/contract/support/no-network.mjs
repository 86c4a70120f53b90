// Preload (`node --import`, inherited through NODE_OPTIONS) that disables the
// network for a test process: any socket to a host other than loopback fails with
// ENETUNREACH, and DNS answers only for localhost. Loopback stays, because the
// fake marketplace is a real server on 127.0.0.1.
import dns from 'node:dns';
import net from 'node:net';

const isLoopback = (host) =>
  host === undefined || host === null || host === '' || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host) || host === '::ffff:127.0.0.1';

const unreachable = (host) => Object.assign(new Error(`connect ENETUNREACH ${host} (network disabled for this test)`), { code: 'ENETUNREACH' });

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() hands over its normalized [options, callback]; direct calls pass (options) or (port, host).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (options.path === undefined && !isLoopback(options.host)) {
    process.nextTick(() => this.destroy(unreachable(options.host)));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (isLoopback(hostname)) return lookup.call(this, hostname, ...rest);
  const callback = rest.at(-1);
  process.nextTick(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (network disabled)`), { code: 'ENOTFOUND' })));
  return {};
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async (hostname, ...rest) => {
  if (isLoopback(hostname)) return lookupPromise(hostname, ...rest);
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (network disabled)`), { code: 'ENOTFOUND' });
};
