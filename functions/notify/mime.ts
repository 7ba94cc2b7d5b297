/**
 * A raw MIME message for SES SendRawEmail, for mail with attachments: multipart/mixed holding a
 * multipart/alternative (text, then HTML) and the files. Chinese subjects and file names are
 * encoded (RFC 2047, RFC 2231) so every client shows them; bodies are base64 in 76-column lines.
 */
import { randomBytes } from 'node:crypto';
import type { OutgoingMail } from '../core/ports.ts';

const CRLF = '\r\n';

const base64Lines = (content: Uint8Array | string) =>
  (Buffer.from(content).toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);

/** RFC 2047 encoded-word(s) for a header value that is not plain ASCII. */
export function encodeHeader(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  // Each encoded word at most 75 characters: chunk by characters so no UTF-8 sequence is split.
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch) > 42) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(`${CRLF} `);
}

function filenameParams(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '');
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function rawMessage(from: string, mail: OutgoingMail, boundarySeed = randomBytes(12).toString('hex')): string {
  const mixed = `mixed-${boundarySeed}`;
  const alternative = `alt-${boundarySeed}`;
  const lines = [
    `From: ${from}`,
    `To: ${mail.to}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(mail.text),
    `--${alternative}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(mail.html),
    `--${alternative}--`,
  ];
  for (const file of mail.attachments ?? []) {
    lines.push(
      `--${mixed}`,
      `Content-Type: ${file.contentType}; name*=UTF-8''${encodeURIComponent(file.filename)}`,
      `Content-Disposition: attachment; ${filenameParams(file.filename)}`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(file.content),
    );
  }
  lines.push(`--${mixed}--`, '');
  return lines.join(CRLF);
}
