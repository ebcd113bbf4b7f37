/** Small DOM helpers. Text from the gateway only ever goes in as text, never as HTML. */

export function byId<T extends Element = HTMLElement>(id: string): T {
  const element: Element | null = document.getElementById(id);
  if (!element) throw new Error(`dashboard: #${id} is missing from index.html`);
  return element as T;
}

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Sets text only when it changed, so polling does not churn the DOM. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** "just now", "42 s ago", "3 min ago", "2 h 5 min ago", "3 d ago". */
export function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min ago` : `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function localTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString();
}

/** Replaces a <select>'s options, keeping the current choice when it is still offered. */
export function fillSelect(select: HTMLSelectElement, options: ReadonlyArray<{ value: string; label?: string }>, preferred?: string): void {
  const keep = select.value;
  select.replaceChildren(...options.map((o) => el('option', { value: o.value }, o.label ?? o.value)));
  const values = new Set(options.map((o) => o.value));
  if (values.has(keep)) select.value = keep;
  else if (preferred !== undefined && values.has(preferred)) select.value = preferred;
  select.disabled = options.length === 0;
}
