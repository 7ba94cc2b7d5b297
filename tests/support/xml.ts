/** An XML file (a chart's SVG, a .docx part) as a tree, read by a strict parser (saxes): a file that is not well-formed fails here. */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

export function parseXml(xml: string): Element {
  const parser = new SaxesParser({ xmlns: true });
  const stack: Element[] = [];
  let root: Element | undefined;
  parser.on('opentag', (tag: SaxesTagNS) => {
    const element: Element = { name: tag.local, attributes: Object.fromEntries(Object.entries(tag.attributes).map(([k, a]) => [k, a.value])), children: [], text: '' };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('text', (text) => {
    if (stack.length) stack.at(-1)!.text += text;
  });
  parser.on('closetag', () => void stack.pop());
  parser.write(xml).close();
  return root!;
}

/** Every element at or below `element` that `match` accepts, in document order. */
export const all = (element: Element, match: (e: Element) => boolean): Element[] => [...(match(element) ? [element] : []), ...element.children.flatMap((c) => all(c, match))];
export const classed = (element: Element, cls: string) => all(element, (e) => (e.attributes.class ?? '').split(' ').includes(cls));
/** The text an element shows, its children's included. */
export const textOf = (element: Element): string => element.text + element.children.map(textOf).join('');
