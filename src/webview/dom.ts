// DOM helpers for the UI. Span data is untrusted text: it only ever reaches the page through textContent, attributes
// set one by one, and DOM nodes, never as HTML.
import type { UiRoute } from '../protocol/webview';
import type { UiContext } from './context';

export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title !== undefined) e.title = props.title;
  for (const c of children) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: Node[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

export function option(value: string, label: string): HTMLOptionElement {
  const o = el('option', { text: label });
  o.value = value;
  return o;
}

/** A form control with its label above it. */
export function field(label: string, control: HTMLElement, className = 'field'): HTMLLabelElement {
  return el('label', { className }, el('span', { text: label }), control);
}

/** A link to a route: a real href (a new tab works on the standalone page) that navigates in place on a plain click. */
export function routeLink(ctx: UiContext, text: string, route: UiRoute, className: string): HTMLAnchorElement {
  const a = el('a', { className, text });
  a.href = ctx.deepLink(route);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    ctx.navigate(route);
  });
  return a;
}
