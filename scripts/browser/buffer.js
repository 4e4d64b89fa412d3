// Buffer for the reader's latin1 and base64 conversions in the viewer's page.
export { Buffer } from 'buffer';
