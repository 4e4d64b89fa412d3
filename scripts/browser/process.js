// The few `process` fields the reader looks at, in the viewer's page.
export const process = { env: {}, versions: {}, platform: 'browser', stderr: { write() {} }, emitWarning() {} };
