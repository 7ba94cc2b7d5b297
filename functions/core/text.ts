/**
 * Free text as it may be stored: everything a person types ends up in XML one day (the Excel 台账,
 * the email's HTML), and XML 1.0 cannot carry some characters at all. `xmlSafe` drops them:
 * C0 controls other than tab, line feed and carriage return, U+FFFE and U+FFFF, and surrogates
 * that are not part of a pair.
 */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '');
}

/** Whether `text` holds a character XML cannot carry. */
export function hasNonXml(text: string): boolean {
  NOT_XML.lastIndex = 0;
  const found = NOT_XML.test(text);
  NOT_XML.lastIndex = 0;
  return found;
}
