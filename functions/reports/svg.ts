/**
 * What the hand-drawn charts (the report's charts, the indicator trends) share: text made safe for
 * XML, the CJK font stack, round axis steps and an estimate of how wide a label is.
 */

/** Single quotes inside: the stack goes into a double-quoted attribute of a standalone .svg. */
export const CHART_FONT = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif";

export const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A round step (1, 2 or 5 times a power of ten) that cuts the range into about `parts`. */
export function niceStep(range: number, parts: number): number {
  const raw = range / parts;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/**
 * How wide `text` draws at `size` px, without a font at hand: a CJK or full-width character (and the
 * dashes and the ellipsis, full width in CJK fonts) is one em, anything else about six tenths. Enough
 * to place labels so that they do not run into each other or off the edge.
 */
export function textWidth(text: string, size: number): number {
  const wide = (code: number) => code >= 0x2e80 || (code >= 0x2010 && code <= 0x2027);
  return [...text].reduce((width, c) => width + (wide(c.codePointAt(0)!) ? size : size * 0.6), 0);
}
