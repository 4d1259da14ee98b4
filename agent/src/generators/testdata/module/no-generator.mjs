// Exports something, but not a generator: start-up must say so.
export const name = 'example.nothing';
