export {
  DEFAULT_TIMEOUTS,
  type ClientCertificate,
  type EndpointInspection,
  type PreTlsStream,
  type Timeouts,
  type XmppTarget,
  describePeer,
  inspectEndpoint,
  openTlsReadySocket,
  streamHeader,
} from './xmpp.js';
export { type StreamFeatures, parseFeatures } from './features.js';
export { type StreamEvent, type XmlElement, XmppStreamParser } from './xml-stream.js';
