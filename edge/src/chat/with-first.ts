/** @module A target's first event (already awaited to decide the HTTP status) followed by the rest, as one iterable. */

export async function* withFirst<T>(first: T | undefined, rest: AsyncIterator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  if (first === undefined) return;
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
