// Free ports and waiting for a server to listen: see processes.mjs (shared with the benches).
export { freeTcpPort, waitForPort } from './processes.mjs';
