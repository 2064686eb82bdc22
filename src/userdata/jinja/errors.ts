/** A template problem with the template line it is on (1-based). */
export class JinjaError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly kind: 'syntax' | 'render',
  ) {
    super(message);
    this.name = 'JinjaError';
  }
}
