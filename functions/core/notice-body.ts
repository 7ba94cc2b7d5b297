/**
 * A notice's body is kept once per distinct content: a circular to a thousand liaisons differs only
 * in the recipient's name and why-line, so the composer leaves stand-ins (masks) for them in the
 * HTML and text and the notice carries the few words that fill them. The body is addressed by the
 * hash of its content; filling happens right before sending (and when a stored notice is read whole).
 */
import { createHash } from 'node:crypto';

/** One stand-in and what replaces it. */
export interface BodyFill {
  mask: string;
  value: string;
}

/** What HTML escaping does to a value put into a page (the same characters Handlebars escapes). */
const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"'`=]/g, (c) => htmlEscapes[c]!);

/** The HTML and text a recipient reads: each mask replaced by its value (escaped in the HTML). */
export function filled(body: { html: string; text: string }, fills: BodyFill[] | undefined): { html: string; text: string } {
  if (!fills?.length) return body;
  let { html, text } = body;
  for (const { mask, value } of fills) {
    html = html.replaceAll(mask, escapeHtml(value));
    text = text.replaceAll(mask, value);
  }
  return { html, text };
}

/** The address of a body: the same HTML and text always have the same one. */
export function bodyRef(body: { html: string; text: string }): string {
  return createHash('sha256').update(body.html).update('\u0000').update(body.text).digest('base64url');
}
