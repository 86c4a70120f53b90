/**
 * The secret filter matches the live secret values themselves: real values are
 * masked wherever they appear (also JSON- or URL-escaped, also inside errors' causes
 * and details), look-alikes that share a prefix or most characters are not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/errors.js';
import { MIN_SECRET_LENGTH, SecretSet } from '../../src/util/redact.js';

describe('SecretSet', () => {
  it('masks a known value and leaves look-alikes alone', () => {
    const secrets = new SecretSet();
    const token = 'ntok-4f9a0c2e7b1d';
    secrets.add(token);
    // Same prefix and length, or a few of its characters: not pieces of the token.
    const twins = ['ntok-000000000000', 'ntok-4f9a11111111', 'ntok-0000000e7b1d', 'ntok-4f9a', 'e7b1d'];
    const text = `real ${token} twins ${twins.join(' ')}`;
    const out = secrets.redact(text);
    expect(out).not.toContain(token);
    expect(out).toBe(`real *** twins ${twins.join(' ')}`);
  });

  it('masks shortened echoes of a real value (its first or last ten characters or more), in any case', () => {
    const secrets = new SecretSet();
    const token = 'ntok-4f9a0c2e7b1d';
    secrets.add(token);
    expect(secrets.redact('got ntok-4f9a0c2e… back')).toBe('got ***… back');
    expect(secrets.redact('got …9a0c2e7b1d back')).toBe('got …*** back');
    expect(secrets.redact('host ntok-4f9a0c2e7b1d.example.com')).toBe('host ***.example.com');
    expect(secrets.redact('HOST NTOK-4F9A0C2E7B1D.EXAMPLE.COM')).toBe('HOST ***.EXAMPLE.COM');
    // Nine characters are not enough to say it is this token, nor a piece not shown as cut short.
    expect(secrets.redact('got ntok-4f9a… back')).toBe('got ntok-4f9a… back');
    expect(secrets.redact('got ntok-4f9a0c2e back')).toBe('got ntok-4f9a0c2e back');
  });

  it('catches a secret of any shape, glued to other text, escaped in JSON or a URL', () => {
    const secrets = new SecretSet();
    const value = 'p@ss "word"/é+1';
    secrets.add(value);
    expect(secrets.redact(`x${value}y`)).toBe('x***y');
    expect(secrets.redact(JSON.stringify({ env: { A: value } }))).toBe('{"env":{"A":"***"}}');
    expect(secrets.redact(`https://h/?q=${encodeURIComponent(value)}`)).toBe('https://h/?q=***');
  });

  it('masks a secret that contains another one whole', () => {
    const secrets = new SecretSet();
    secrets.add('abcd');
    secrets.add('xxabcdyy');
    expect(secrets.redact('1 xxabcdyy 2 abcd')).toBe('1 *** 2 ***');
  });

  it(`ignores values shorter than ${MIN_SECRET_LENGTH} characters`, () => {
    const secrets = new SecretSet();
    secrets.add('on');
    secrets.add('');
    secrets.add(null);
    expect(secrets.size).toBe(0);
    expect(secrets.redact('turned on')).toBe('turned on');
  });

  it('masks any Bearer credential and control characters other than newlines and tabs', () => {
    const secrets = new SecretSet();
    expect(secrets.redact('sent Bearer whatever-it-was; ok')).toBe('sent Bearer ***; ok');
    expect(secrets.redact('a\r\u001b[2Jb\n\tc')).toBe('a [2Jb\n\tc');
  });

  it('redacts an error in place: message, stack, details and the cause chain', () => {
    const secrets = new SecretSet();
    secrets.add('s3cr3t-value');
    const inner = new Error('inner s3cr3t-value');
    const error = new ComputeError('NODE_FAILED', 'outer s3cr3t-value', { cause: inner, details: { said: 'node said s3cr3t-value', n: 1 } });
    expect(secrets.redactError(error)).toBe(error);
    expect(error.message).toBe('outer ***');
    expect(error.stack).not.toContain('s3cr3t-value');
    expect(error.details).toEqual({ said: 'node said ***', n: 1 });
    expect(inner.message).toBe('inner ***');
    expect(inner.stack).not.toContain('s3cr3t-value');
  });

  it('never leaves a known secret in any text, wherever it is put', () => {
    fc.assert(
      fc.property(fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 24 }), fc.string(), fc.string(), (secret, before, after) => {
        const secrets = new SecretSet();
        secrets.add(secret);
        expect(secrets.leaks(secrets.redact(`${before}${secret}${after}`))).toBe(false);
      }),
    );
  });
});
