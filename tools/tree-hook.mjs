// A module resolve hook (node:module register): `@impl/<path>` is <tree>/<path>, for the tree that
// tools/tree.ts was told to run. Plain JavaScript, because hooks load before any TypeScript loader
// applies to them.
let base = null;

export function initialize(data) {
  base = data.base;
}

export function resolve(specifier, context, next) {
  if (base !== null && specifier.startsWith('@impl/')) return next(new URL(specifier.slice('@impl/'.length), base).href, context);
  return next(specifier, context);
}
