/**
 * Node endpoints from the marketplace are vetted before a task or node token goes to
 * them: schemes, credentials, and the address ranges (metadata, link-local, private).
 * Each refusal class has cases that pass and cases that must not, so a mutation that
 * lets one through (credentials, another scheme, a metadata address) fails here.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress, classifyHost, refuseNodeEndpoint, refuseResolvedAddress, type EndpointPolicy } from '../../src/leases/node-endpoint.js';

const strict: EndpointPolicy = { allowInsecureHttp: false };
const privateOk: EndpointPolicy = { allowInsecureHttp: false, nodeEndpoints: 'private-ok' };

describe('refuseNodeEndpoint', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://127.8.9.10:1/base',
    'http://localhost:9000',
    'http://[::1]:80',
    'http://node.localhost:80',
    'https://203.0.113.7:8443',
    'https://node-7.gpu.example.com',
    'https://172.32.0.1',
    'https://[2001:db8::7]:443',
  ])('accepts %s', (endpoint) => {
    expect(refuseNodeEndpoint(endpoint, strict)).toBeUndefined();
  });

  it.each([
    ['ftp://127.0.0.1/', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['javascript:alert(1)', 'javascript:'],
    ['ws://127.0.0.1:80', 'ws:'],
    ['gopher://127.0.0.1:70', 'gopher:'],
    ['data:text/plain,hi', 'data:'],
  ])('refuses the scheme of %s', (endpoint, scheme) => {
    expect(refuseNodeEndpoint(endpoint, strict)).toContain(scheme);
    // No hook and no range option lets another scheme through.
    expect(refuseNodeEndpoint(endpoint, { allowInsecureHttp: true, nodeEndpoints: 'private-ok', allowEndpoint: () => true })).toBeDefined();
  });

  it.each(['http://user:pass@127.0.0.1:8080', 'http://user@127.0.0.1:8080', 'https://:secret@node.example.com', 'https://ntok-abc@203.0.113.7'])(
    'refuses credentials in %s, whatever the options, without repeating them',
    (endpoint) => {
      for (const policy of [strict, { allowInsecureHttp: true, nodeEndpoints: 'private-ok', allowEndpoint: () => true } as EndpointPolicy]) {
        const reason = refuseNodeEndpoint(endpoint, policy);
        expect(reason).toBe('carries credentials');
      }
    },
  );

  it.each(['https://node.example.com/?token=x', 'https://node.example.com/#frag', 'not a url', ''])('refuses %j', (endpoint) => {
    expect(refuseNodeEndpoint(endpoint, strict)).toBeDefined();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://169.254.169.254', 'metadata'],
    ['https://2852039166', 'metadata'],
    ['https://0xa9fea9fe', 'metadata'],
    ['https://[::ffff:169.254.169.254]', 'metadata'],
    ['https://[fd00:ec2::254]', 'metadata'],
    ['https://[fd12:3456::1]', 'metadata'],
    ['https://metadata.google.internal', 'metadata'],
    ['https://METADATA.GOOGLE.INTERNAL.', 'metadata'],
    ['https://100.100.100.200', 'metadata'],
    ['https://169.254.10.20', 'link-local'],
    ['https://[fe80::1]', 'link-local'],
    ['https://0.0.0.0', 'unusable'],
    ['https://224.0.0.1', 'unusable'],
    ['https://255.255.255.255', 'unusable'],
    ['https://[::]', 'unusable'],
  ])('refuses %s (%s) even with private-ok, unless allowEndpoint says yes', (endpoint, addressClass) => {
    expect(refuseNodeEndpoint(endpoint, strict)).toBeDefined();
    expect(refuseNodeEndpoint(endpoint, privateOk)).toBeDefined();
    const asked: string[] = [];
    const hook = (url: URL, cls: string): boolean => {
      asked.push(`${url.hostname} ${cls}`);
      return true;
    };
    expect(refuseNodeEndpoint(endpoint, { allowInsecureHttp: true, allowEndpoint: hook })).toBeUndefined();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(new RegExp(` ${addressClass}$`));
    expect(refuseNodeEndpoint(endpoint, { allowInsecureHttp: true, allowEndpoint: () => false })).toBeDefined();
  });

  it.each(['https://10.0.0.7:8080', 'https://172.16.0.1', 'https://172.31.255.254', 'https://192.168.1.20', 'https://100.64.0.1', 'https://[fc00::7]', 'https://[::ffff:10.1.2.3]'])(
    'refuses the private address %s unless the user opts in',
    (endpoint) => {
      expect(refuseNodeEndpoint(endpoint, strict)).toContain('private');
      expect(refuseNodeEndpoint(endpoint, privateOk)).toBeUndefined();
      expect(refuseNodeEndpoint(endpoint, { allowInsecureHttp: false, allowEndpoint: (_u, cls) => cls === 'private' })).toBeUndefined();
    },
  );

  it('keeps plain http off loopback refused without allowInsecureHttp, private-ok or not', () => {
    expect(refuseNodeEndpoint('http://203.0.113.7:8080', strict)).toContain('plain http');
    expect(refuseNodeEndpoint('http://10.0.0.7:8080', privateOk)).toContain('plain http');
    expect(refuseNodeEndpoint('http://10.0.0.7:8080', { ...privateOk, allowInsecureHttp: true })).toBeUndefined();
    expect(refuseNodeEndpoint('http://203.0.113.7:8080', { allowInsecureHttp: true })).toBeUndefined();
  });
});

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'public'],
    ['2001:db8::1', 'public'],
    ['ff02::1', 'unusable'],
    ['not-an-ip', 'unusable'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('classifies host names: loopback names, metadata names, others public until resolved', () => {
    expect(classifyHost('localhost')).toBe('loopback');
    expect(classifyHost('metadata.google.internal')).toBe('metadata');
    expect(classifyHost('[fd00:ec2::254]')).toBe('metadata');
    expect(classifyHost('gpu.example.com')).toBe('public');
  });

  it('refuses a name that resolves to a refused address (checked at connect time)', () => {
    const url = new URL('https://gpu.example.com');
    expect(refuseResolvedAddress('169.254.169.254', url, strict)).toContain('metadata');
    expect(refuseResolvedAddress('10.0.0.1', url, strict)).toContain('private');
    expect(refuseResolvedAddress('10.0.0.1', url, privateOk)).toBeUndefined();
    expect(refuseResolvedAddress('203.0.113.9', url, strict)).toBeUndefined();
  });
});
