// Text and attribute escaping for the XML reports (JUnit, SVG). Daemon messages and scenario
// files can hold anything, so characters XML 1.0 cannot carry at all (NUL, most C0 controls,
// lone surrogates, U+FFFE/U+FFFF) are dropped rather than escaped.

// With the u flag a lone surrogate is its own code point, outside every allowed range.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripInvalidXml(s: string): string {
  return s.replace(INVALID_XML, "");
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // Attribute values are whitespace-normalised by parsers; character references keep line breaks.
  "\n": "&#10;",
  "\r": "&#13;",
  "\t": "&#9;",
};

/** Element text: & < > " ' escaped, line breaks kept as they are. */
export function escapeXml(s: string): string {
  return stripInvalidXml(s).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Attribute value (always written in double quotes): also keeps tabs and line breaks. */
export function escapeAttr(s: string): string {
  return stripInvalidXml(s).replace(/[&<>"'\n\r\t]/g, (c) => ENTITIES[c] ?? c);
}
