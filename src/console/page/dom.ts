/**
 * Building the page's DOM. Everything that reaches the page from the
 * network (keys, values, client identifications, DEBUG lines, error
 * messages) goes in as text nodes or `textContent`: this module has no way
 * to insert HTML, and no other module of the page uses innerHTML,
 * outerHTML, insertAdjacentHTML or document.write (a test checks the
 * sources). Attributes are set one by one; event handler attributes
 * (`on…`) and URLs are refused.
 * @module
 */

/** A child: a node, or text (numbers too); null, undefined and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Properties of {@link h}: `class`, attributes, and `on` for listeners. */
export interface Props {
  class?: string;
  /** Listeners, by event type. */
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
  [attribute: string]: string | number | boolean | undefined | Props['on'];
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'srcdoc', 'xlink:href']);

/** Makes an element with attributes, listeners and children (text as text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (key === 'on') {
        for (const [type, listener] of Object.entries(value as NonNullable<Props['on']>)) element.addEventListener(type, listener as EventListener);
        continue;
      }
      if (/^on/i.test(key) || URL_ATTRIBUTES.has(key.toLowerCase())) throw new Error(`h(): the attribute ${key} is not allowed`);
      if (value === undefined || value === false) continue;
      element.setAttribute(key === 'class' ? 'class' : key, value === true ? '' : String(value));
    }
  }
  append(element, ...children);
  return element;
}

/** Appends children (text as text nodes). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Sets an element's text, only when it changed (no needless layout). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
