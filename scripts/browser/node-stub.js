// The Node modules the reader imports for files (fs, path, url, module, os) in
// the viewer's page: a dropped file comes as bytes, so none of these is
// called; if one were, it says so instead of failing obscurely.
const none = (name) => () => {
  throw new Error(`${name} is not available in the browser`);
};
export const openSync = none('fs.openSync');
export const readSync = none('fs.readSync');
export const fstatSync = none('fs.fstatSync');
export const closeSync = none('fs.closeSync');
export const statSync = none('fs.statSync');
export const existsSync = () => false;
export const readFileSync = none('fs.readFileSync');
export const readdirSync = none('fs.readdirSync');
export const createReadStream = none('fs.createReadStream');
export const writeSync = none('fs.writeSync');
export const fileURLToPath = none('url.fileURLToPath');
export const createRequire = none('module.createRequire');
export const dirname = none('path.dirname');
export const join = none('path.join');
export const resolve = none('path.resolve');
export const basename = (p) => String(p).split('/').pop();
export const endianness = () => 'LE';
export const EOL = '\n';
export default {};
