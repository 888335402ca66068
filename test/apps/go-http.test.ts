import { expect } from 'chai';
import { canonicalHeaderKey, sniffContentType } from '../../src/apps/agnhost/go-http.js';
import { goLogPrefix } from '../../src/apps/go.js';

describe('apps/Go imitations', () => {
  it('sniffs Content-Type as http.DetectContentType does for the bodies agnhost writes', () => {
    const b = (s: string): Buffer => Buffer.from(s, 'latin1');
    expect(sniffContentType(b('web-5d8f9c7b6-abcde'))).to.equal('text/plain; charset=utf-8');
    expect(sniffContentType(b('{"a":1}'))).to.equal('text/plain; charset=utf-8');
    expect(sniffContentType(b(' \n\t<HTML><body>x'))).to.equal('text/html; charset=utf-8');
    expect(sniffContentType(b('<a href="/x">Moved</a>'))).to.equal('text/html; charset=utf-8');
    expect(sniffContentType(b('<abbr>'))).to.equal('text/plain; charset=utf-8'); // "<a" needs a space or ">" after it
    expect(sniffContentType(b('<?xml version="1.0"?>'))).to.equal('text/xml; charset=utf-8');
    expect(sniffContentType(Buffer.from([0x68, 0x69, 0x01]))).to.equal('application/octet-stream');
    expect(sniffContentType(Buffer.from([0x3c, 0x01]))).to.equal('application/octet-stream');
  });

  it('canonicalises header keys (and keeps doing so when asked again)', () => {
    for (let i = 0; i < 2; i++) {
      expect(canonicalHeaderKey('x-forwarded-for')).to.equal('X-Forwarded-For');
      expect(canonicalHeaderKey('USER-AGENT')).to.equal('User-Agent');
      expect(canonicalHeaderKey('bad key')).to.equal('bad key');
    }
  });

  it('writes the log prefix of the second the time falls in', () => {
    const t = Date.UTC(2026, 10, 22, 9, 5, 7, 250);
    expect(goLogPrefix(t)).to.equal('2026/11/22 09:05:07 ');
    expect(goLogPrefix(t + 700)).to.equal('2026/11/22 09:05:07 ');
    expect(goLogPrefix(t + 750)).to.equal('2026/11/22 09:05:08 ');
    expect(goLogPrefix(t - 86_400_000)).to.equal('2026/11/21 09:05:07 ');
  });
});
