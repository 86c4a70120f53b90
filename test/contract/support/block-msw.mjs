// Preload (`node --import`) that makes msw impossible to load, as if it were not
// installed: an ESM resolve hook for import() / import, and a CommonJS resolver
// patch for require(). A module that touches msw at load time then fails to load.
import Module, { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier === 'msw' || specifier.startsWith('msw/')) {
    const error = new Error("Cannot find package '" + specifier + "' (blocked: msw is not installed)");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function blocked(request, ...rest) {
  if (request === 'msw' || request.startsWith('msw/')) {
    const error = new Error(`Cannot find module '${request}' (blocked: msw is not installed)`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
