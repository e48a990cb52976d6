export * from './errors.js';
export * from './frame.js';
export * from './schema.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
