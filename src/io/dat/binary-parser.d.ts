// binary-parser's package.json gives no types for its ESM entry under NodeNext
// resolution; its CommonJS typings describe the same API.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js';
}
