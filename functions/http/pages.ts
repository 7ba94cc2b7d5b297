/**
 * Server-rendered pages: handlebars templates from templates/pages, each rendered inside the
 * shared layout. Compiled once per process.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEMPLATE_DIR = process.env.DUBAN_TEMPLATE_DIR ?? join(import.meta.dirname, '../../templates');

const hb = Handlebars.create();
hb.registerHelper('join', (list: unknown) => (Array.isArray(list) ? list.join('、') : ''));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('encode', (text: unknown) => encodeURIComponent(String(text ?? '')));

const cache = new Map<string, Handlebars.TemplateDelegate>();

function compiled(name: string): Handlebars.TemplateDelegate {
  let template = cache.get(name);
  if (!template) {
    template = hb.compile(readFileSync(join(TEMPLATE_DIR, 'pages', `${name}.hbs`), 'utf8'));
    cache.set(name, template);
  }
  return template;
}

/** What the layout shows around a console page: who is signed in, the sections they may open, the sign-out form. */
export interface Chrome {
  person: string;
  roleName: string;
  csrf: string;
  nav: { href: string; label: string; active: boolean }[];
}

export function renderPage(name: string, title: string, context: object, chrome?: Chrome): string {
  return compiled('layout')({ title, chrome, body: new Handlebars.SafeString(compiled(name)({ ...context, csrf: chrome?.csrf })) });
}
