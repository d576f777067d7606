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
} from './xmpp.js';
export { type StreamFeatures, NS_SASL, isStreamElement, parseFeatures, streamErrorFrom } from './features.js';
export { type PhaseDeadline, XmppStream, deadlineIn, streamHeader } from './stream.js';
export { upgradeToTls } from './tls-upgrade.js';
export { type StreamEvent, type XmlElement, child, escapeXml } from './xml-stream.js';
