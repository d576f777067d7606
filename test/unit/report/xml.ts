// Well-formedness of the HTML report, checked with an XML parser (the report is written to be
// XHTML-compatible for exactly this): every error saxes finds, and the text and ids it saw.
import { SaxesParser } from 'saxes';

export interface ParsedXml {
  errors: string[];
  ids: string[];
  text: string;
  elements: Set<string>;
}

export function parseXml(doc: string): ParsedXml {
  const parser = new SaxesParser({ xmlns: true });
  const out: ParsedXml = { errors: [], ids: [], text: '', elements: new Set() };
  parser.on('error', (e) => out.errors.push(e.message));
  parser.on('opentag', (t) => {
    out.elements.add(t.local);
    const id = t.attributes.id;
    if (id) out.ids.push(typeof id === 'string' ? id : id.value);
  });
  parser.on('text', (t) => (out.text += t));
  parser.write(doc).close();
  return out;
}
