/**
 * Moves a page's `<style>` rules into each element's style attribute, for mail clients that drop
 * style blocks: the small part of what juice does that duban's own templates need (type, class,
 * id and attribute selectors, `*`, descendant and child combinators), with juice's results
 * (tests/channels.test.ts compares the two on every email and report). Properties are ordered by
 * specificity, then by their place in the style sheet; an element's own style attribute wins; table
 * cells also get the align, valign and width attributes old clients read. `@media` blocks stay in
 * a `<style>` element; a selector it cannot read is an error, so a template change that needs more
 * is caught by the tests rather than sent half-styled.
 */

interface Compound {
  tag?: string;
  id?: string;
  classes: string[];
  attributes: { name: string; value?: string }[];
}

/** A selector as compounds from the subject leftwards, each with the combinator that joins it to the next. */
interface Selector {
  parts: { compound: Compound; combinator: ' ' | '>' }[];
  specificity: [number, number, number, number];
}

interface Rule {
  selector: Selector;
  declarations: { name: string; value: string; important: boolean; order: number }[];
}

interface Element {
  tag: string;
  attributes: Map<string, string>;
  parent?: Element;
}

const ident = '-?[_a-zA-Z][-_a-zA-Z0-9]*';
const compoundPattern = new RegExp(`^(\\*|${ident})?((?:#${ident}|\\.${ident}|\\[\\s*${ident}\\s*(?:=\\s*(?:"[^"]*"|'[^']*'|${ident}))?\\s*\\])*)$`);
const pseudoElements = /::?(before|after)$/;
const ignoredPseudos = /:(hover|active|focus|visited|link)\b/;

function parseCompound(text: string): Compound {
  const match = compoundPattern.exec(text);
  if (!match) throw new Error(`inlineCss: unsupported selector part "${text}"`);
  const compound: Compound = { classes: [], attributes: [] };
  if (match[1]) compound.tag = match[1].toLowerCase();
  for (const part of (match[2] ?? '').matchAll(new RegExp(`#(${ident})|\\.(${ident})|\\[\\s*(${ident})\\s*(?:=\\s*("[^"]*"|'[^']*'|${ident}))?\\s*\\]`, 'g'))) {
    if (part[1]) compound.id = part[1];
    else if (part[2]) compound.classes.push(part[2]);
    else compound.attributes.push({ name: part[3]!.toLowerCase(), value: part[4]?.replace(/^["']|["']$/g, '') });
  }
  return compound;
}

function parseSelector(text: string): Selector | undefined {
  if (ignoredPseudos.test(text) || pseudoElements.test(text)) return undefined;
  const tokens = text.trim().replace(/\s*>\s*/g, ' > ').split(/\s+/);
  const parts: Selector['parts'] = [];
  const specificity: Selector['specificity'] = [0, 0, 0, 0];
  let combinator: ' ' | '>' = ' ';
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!;
    if (token === '>') {
      combinator = '>';
      continue;
    }
    const compound = parseCompound(token);
    if (parts.length) parts[parts.length - 1]!.combinator = combinator;
    parts.push({ compound, combinator: ' ' });
    combinator = ' ';
    if (compound.id) specificity[1]++;
    specificity[2] += compound.classes.length + compound.attributes.length;
    if (compound.tag && compound.tag !== '*') specificity[3]++;
  }
  return { parts, specificity };
}

const withoutComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

/** The style sheet's rules to inline, and its `@media` blocks to keep. */
function parseSheet(css: string): { rules: Rule[]; kept: string[] } {
  const rules: Rule[] = [];
  const kept: string[] = [];
  let order = 0;
  const text = withoutComments(css);
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{', at);
    if (open < 0) break;
    const prelude = text.slice(at, open).trim();
    if (prelude.startsWith('@')) {
      // A block at-rule: find its matching brace and keep it as it is written.
      let depth = 1;
      let end = open + 1;
      for (; end < text.length && depth; end++) depth += text[end] === '{' ? 1 : text[end] === '}' ? -1 : 0;
      kept.push(formatAtRule(prelude, text.slice(open + 1, end - 1)));
      at = end;
      continue;
    }
    const close = text.indexOf('}', open);
    const declarations = text
      .slice(open + 1, close)
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const colon = d.indexOf(':');
        const raw = d.slice(colon + 1).trim();
        const important = /!important$/.test(raw);
        return { name: d.slice(0, colon).trim().toLowerCase(), value: important ? raw.replace(/\s*!important$/, '') : raw, important, order: order++ };
      });
    for (const part of prelude.split(',')) {
      const selector = parseSelector(part);
      if (selector) rules.push({ selector, declarations });
    }
    at = close + 1;
  }
  return { rules, kept };
}

/** An at-rule the way juice (mensch) writes what it keeps: two-space indents, one declaration a line. */
function formatAtRule(prelude: string, body: string): string {
  const inner: string[] = [];
  for (const [, selectors, declarations] of body.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const lines = declarations!
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const colon = d.indexOf(':');
        return `    ${d.slice(0, colon).trim()}: ${d.slice(colon + 1).trim()};`;
      });
    const names = selectors!.split(',').map((s) => s.trim()).join(', ');
    inner.push(`  ${names} {\n${lines.join('\n')}\n  }`);
  }
  return `${prelude.replace(/\s+/g, ' ')} {\n${inner.join('\n\n')}\n}`;
}

function matchesCompound(element: Element, compound: Compound): boolean {
  if (compound.tag && compound.tag !== '*' && compound.tag !== element.tag) return false;
  if (compound.id && element.attributes.get('id') !== compound.id) return false;
  if (compound.classes.length) {
    const classes = (element.attributes.get('class') ?? '').split(/\s+/);
    if (!compound.classes.every((c) => classes.includes(c))) return false;
  }
  return compound.attributes.every((a) => element.attributes.has(a.name) && (a.value === undefined || element.attributes.get(a.name) === a.value));
}

function matches(element: Element, selector: Selector): boolean {
  const [subject, ...rest] = selector.parts;
  if (!subject || !matchesCompound(element, subject.compound)) return false;
  const ancestors = (from: Element | undefined, index: number): boolean => {
    if (index >= rest.length) return true;
    const { compound } = rest[index]!;
    const combinator = selector.parts[index]!.combinator;
    for (let node = from; node; node = combinator === '>' ? undefined : node.parent) {
      if (matchesCompound(node, compound) && ancestors(node.parent, index + 1)) return true;
    }
    return false;
  };
  return ancestors(element.parent, 0);
}

const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const rawTextElements = new Set(['script', 'style', 'textarea', 'title']);
const nonVisual = new Set(['head', 'title', 'base', 'link', 'style', 'meta', 'script', 'noscript']);
const widthElements = new Set(['table', 'td', 'th', 'img']);
const tableElements = new Set(['table', 'th', 'tr', 'td', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot']);
const styleToAttribute: Record<string, string> = { 'background-color': 'bgcolor', 'background-image': 'background', 'text-align': 'align', 'vertical-align': 'valign' };
/** Elements whose start tag closes an open one of these (the HTML parser's implied end tags, as htmlparser2 applies them). */
const closedBy: Record<string, Set<string>> = {
  p: new Set(['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul']),
  li: new Set(['li']),
  td: new Set(['td', 'th', 'tr']),
  th: new Set(['td', 'th', 'tr']),
  tr: new Set(['tr']),
  option: new Set(['option']),
};

const tagPattern = /<!--[\s\S]*?-->|<![^>]*>|<\/([a-zA-Z][\w:-]*)\s*>|<([a-zA-Z][\w:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;
const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const m of text.matchAll(attributePattern)) {
    const name = m[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attributes;
}

/** The declarations of a style attribute, in order. */
function inlineDeclarations(style: string) {
  return withoutComments(style)
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d.includes(':'))
    .map((d) => {
      const colon = d.indexOf(':');
      const raw = d.slice(colon + 1).trim();
      const important = /!important$/.test(raw);
      return { name: d.slice(0, colon).trim().toLowerCase(), value: important ? raw.replace(/\s*!important$/, '') : raw, important };
    });
}

interface Applied {
  value: string;
  /** Specificity (the first place counts !important and the style attribute), then place in the sheet. */
  rank: number[];
}

const compareRank = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};

function styledTag(element: Element, rules: Rule[]): string | undefined {
  const props = new Map<string, Applied>();
  let matched = false;
  for (const rule of rules) {
    if (!matches(element, rule.selector)) continue;
    if (!matched) {
      matched = true;
      const own = element.attributes.get('style');
      // The element's own style: the specificity of a style attribute, in its own order.
      if (own) inlineDeclarations(own).forEach((d, i) => props.set(d.name, { value: d.value, rank: [1 + (d.important ? 2 : 0), 0, 0, 0, -1, i] }));
    }
    for (const d of rule.declarations) {
      const [a, b, c, e] = rule.selector.specificity;
      const candidate = { value: d.value, rank: [a + (d.important ? 2 : 0), b, c, e, d.order] };
      const existing = props.get(d.name);
      if (!existing || compareRank(existing.rank, candidate.rank) <= 0) {
        // A later winner moves to the end, as juice keeps its properties.
        props.delete(d.name);
        props.set(d.name, candidate);
      }
    }
  }
  if (!matched) return undefined;
  const sorted = [...props.entries()].sort((x, y) => compareRank(x[1].rank, y[1].rank));
  const style = sorted
    .filter(([name]) => name !== 'content')
    .map(([name, p]) => `${name}: ${p.value.replace(/"/g, "'")};`)
    .join(' ');
  const attributes = new Map(element.attributes);
  if (style) attributes.set('style', style);
  for (const dimension of ['width', 'height']) {
    if (!widthElements.has(element.tag)) continue;
    const entry = [...props.entries()].find(([name]) => name === dimension);
    if (!entry) continue;
    const value = entry[1].value;
    if (/(px|auto)/.test(value)) attributes.set(dimension, value.replace('px', ''));
    else if (tableElements.has(element.tag) && /%/.test(value)) attributes.set(dimension, value);
  }
  if (tableElements.has(element.tag)) {
    for (const [name, p] of props) {
      const attribute = styleToAttribute[name];
      if (!attribute || /(linear|radial)-gradient\(/i.test(p.value)) continue;
      attributes.set(attribute, attribute === 'background' ? p.value.replace(/^url\((["'])?([^"']+)\1\)$/, '$2') : p.value);
    }
  }
  const text = [...attributes].map(([name, value]) => ` ${name}="${value.replace(/"/g, '&quot;')}"`).join('');
  return `<${element.tag}${text}>`;
}

/** The page with its style rules inlined and its style elements removed (`@media` blocks kept in one). */
export function inlineCss(html: string): string {
  const sheets: string[] = [];
  const withoutStyles = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, css: string) => {
    sheets.push(css);
    return '\u0000style\u0000';
  });
  const { rules, kept } = parseSheet(sheets.join('\n'));
  let out = '';
  let last = 0;
  let open: Element | undefined;
  const root: Element = { tag: '#root', attributes: new Map() };
  open = root;
  tagPattern.lastIndex = 0;
  for (let m = tagPattern.exec(withoutStyles); m; m = tagPattern.exec(withoutStyles)) {
    const [whole, endTag, startTag, attributeText = '', selfClosing] = m;
    if (endTag) {
      const tag = endTag.toLowerCase();
      for (let node: Element | undefined = open; node && node !== root; node = node.parent) {
        if (node.tag === tag) {
          open = node.parent;
          break;
        }
      }
      continue;
    }
    if (!startTag) continue;
    const tag = startTag.toLowerCase();
    while (open && open !== root && closedBy[open.tag]?.has(tag)) open = open.parent;
    const element: Element = { tag, attributes: parseAttributes(attributeText), parent: open };
    if (!nonVisual.has(tag)) {
      const replaced = styledTag(element, rules);
      if (replaced !== undefined) {
        out += withoutStyles.slice(last, m.index) + replaced;
        last = m.index + whole.length;
      }
    }
    if (rawTextElements.has(tag) && !selfClosing) {
      const end = withoutStyles.toLowerCase().indexOf(`</${tag}`, tagPattern.lastIndex);
      if (end >= 0) tagPattern.lastIndex = end;
      open = element;
    } else if (!voidElements.has(tag) && !selfClosing) {
      open = element;
    }
  }
  out += withoutStyles.slice(last);
  const keptStyle = kept.length ? `<style>\n${kept.join('\n')}\n</style>` : '';
  let first = true;
  return out.replace(/\u0000style\u0000/g, () => {
    const replacement = first ? keptStyle : '';
    first = false;
    return replacement;
  });
}
