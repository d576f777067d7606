/**
 * When a server sends something that is not XML, the first bytes usually tell why: a TLS record
 * (a direct-TLS port scanned with STARTTLS), an HTTP answer, an SSH banner.
 */
export function describeUnexpectedBytes(input: Buffer): string | null {
  // A UTF-8 byte order mark before the XML is allowed: look past it.
  const bytes = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  if (bytes.length === 0) return null;
  const first = bytes[0];
  if ((first === 0x15 || first === 0x16) && bytes[1] === 0x03) {
    return 'server answered with TLS instead of XML: this looks like a direct-TLS port (try --direct-tls)';
  }
  const text = bytes.toString('latin1');
  if (text.startsWith('HTTP/')) return `server answered with HTTP instead of XML: ${printable(text)}`;
  if (text.startsWith('SSH-')) return `server answered with an SSH banner instead of XML: ${printable(text)}`;
  if (!text.trimStart().startsWith('<')) return `server sent data that is not XML: ${printable(text)}`;
  return null;
}

function printable(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return JSON.stringify(line.replace(/[^\x20-\x7e]/g, '.').slice(0, 48));
}
