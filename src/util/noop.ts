/** Does nothing: the callback for a result nobody waits for. */
export const noop = (): void => {};
