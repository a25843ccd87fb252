/**
 * saturn's wire protocol: message types and their validation, the msgpackr codec, and every
 * NATS name a run uses. Transport-free: nothing here opens a connection.
 */
export { PROTOCOL_VERSION } from './version.ts';
export { NameError, ValidationError } from './errors.ts';
export {
  CONTROL_COMMANDS,
  ROLLOUT_KINDS,
  checkControlCommand,
  checkRolloutKind,
  checkRunId,
  checkToken,
  runNames,
  type ControlCommand,
  type RolloutKind,
  type RunNames,
} from './subjects.ts';
export {
  DEFAULT_LIMITS,
  MESSAGE_TYPES,
  type ControlReply,
  type ControlRequest,
  type ControlValue,
  type DeadLetter,
  type Envelope,
  type Heartbeat,
  type Limits,
  type Message,
  type MessageByType,
  type MessageType,
  type MetricsRecord,
  type PoolEntryMessage,
  type RolloutRequest,
  type RolloutResult,
  type Sample,
  type SamplingParams,
  type WeightsAnnouncement,
} from './messages.ts';
export { isMessageType, validateMessage } from './validate.ts';
export { metricNameOf, subjectMismatch } from './subject-check.ts';
export { decode, encode, type DecodeFailureCode, type DecodeResult } from './codec.ts';
export { envelope } from './envelope.ts';
