/**
 * Celeriac: typed tasks, workers, brokers and result backends, workflows, periodic tasks,
 * flow control, events and cluster control. See the README and docs/ for guides.
 *
 * @module celeriac
 */
export { App, createApp } from './app/app.ts';
export type { PublishDone, PublishHook, PublishInfo } from './app/publish-hooks.ts';
export type {
  HeadOf,
  MapItem,
  TailOf,
  Task,
  TaskArgs,
  TaskHandler,
  TaskResult,
} from './app/task-handle.ts';
export type {
  ResultBackend,
  StoredError,
  TaskResultRecord,
  TaskState,
} from './backends/backend.ts';
export { MemoryBackend } from './backends/memory/memory-backend.ts';
export { RedisBackend, type RedisBackendOptions } from './backends/redis/redis-backend.ts';
export { registerBackend } from './backends/registry.ts';
export { SqliteBackend, type SqliteBackendOptions } from './backends/sqlite/sqlite-backend.ts';
export type {
  ChordJoin,
  ChordMemberOutcome,
  ChunkProgress,
  WorkflowStore,
} from './backends/workflow-store.ts';
export { hasWorkflowStore } from './backends/workflow-store.ts';
export type {
  BatchContext,
  BatchHandler,
  BatchItem,
  BatchItemFailure,
  BatchReport,
  BatchTaskOptions,
} from './batching/batch-handler.ts';
export { BatchResultInvalid } from './batching/batch-report.ts';
export type { BeatEntryChange, BeatHost } from './beat/beat-control.ts';
export { BeatControl, DEFAULT_BEAT_GROUP } from './beat/beat-control.ts';
export type { BeatEntry, BeatEntryOptions, EntrySource } from './beat/beat-entry.ts';
export type { CatchUp } from './beat/due-ticks.ts';
export type { Schedule, ScheduleSpec } from './beat/schedule-spec.ts';
export type { CheckReport, SchedulerOptions } from './beat/scheduler.ts';
export { Scheduler } from './beat/scheduler.ts';
export type { BeatStore, StoredEntry } from './brokers/contract/beat-store.ts';
export type { Broadcast, Unsubscribe } from './brokers/contract/broadcast.ts';
export {
  type Broker,
  type BrokerCapabilities,
  COORDINATION_STORES,
  type Coordination,
  type CoordinationStoreName,
  type DeadLetter,
  type DeadLetterQuery,
  type DelayedMessage,
  type Delivery,
  type LeftDeadLetters,
  type NackOptions,
  type OutgoingMessage,
  type QueueAdmin,
  type QueueStats,
  type RequeueReport,
  type ReserveOptions,
  type Transport,
  type TransportCapabilities,
} from './brokers/contract/index.ts';
export type {
  RateAdmission,
  RateLimit,
  RateOverride,
  RateRequest,
  RateStore,
} from './brokers/contract/rate-store.ts';
export type { RevokedId, RevokeStore } from './brokers/contract/revoke-store.ts';
export type { SlotClaim, SlotHold, SlotStore } from './brokers/contract/slot-store.ts';
export type { UniqueClaim, UniqueSend, UniqueStore } from './brokers/contract/unique-store.ts';
export type { WorkerInfo, WorkerRegistry } from './brokers/contract/worker-registry.ts';
export { MemoryBeatStore } from './brokers/memory/memory-beat-store.ts';
export { MemoryBroker } from './brokers/memory/memory-broker.ts';
export { RedisBroker } from './brokers/redis/redis-broker.ts';
export type { RedisBrokerOptions } from './brokers/redis/redis-broker-options.ts';
export { registerBroker } from './brokers/registry.ts';
export { SqliteBroker, type SqliteBrokerOptions } from './brokers/sqlite/sqlite-broker.ts';
export {
  type AnyCanvas,
  Canvas,
  type ResultOf,
  type ResultsOf,
  SingleCanvas,
} from './canvas/canvas.ts';
export type {
  CanvasNode,
  ChainNode,
  ChordFailureInfo,
  ChordNode,
  GroupNode,
  NodeOptions,
  TaskFailureInfo,
  TaskNode,
} from './canvas/canvas-node.ts';
export { GroupResult } from './canvas/group-result.ts';
export { Signature, type SignatureOptions } from './canvas/signature.ts';
export { Chain, Chord, chain, chord, Group, group } from './canvas/workflows.ts';
export {
  BadChunkedRun,
  BadChunkResult,
  ChunkedRunTimeout,
  NoProgressStore,
} from './chunked/chunk-errors.ts';
export type {
  ChunkedTaskOptions,
  ChunkHandler,
  ChunkIdentity,
  CursorKind,
  IdChunk,
  IdChunkResult,
  IdCursorOptions,
  RunProgress,
  StartOptions,
  TimeChunk,
  TimeChunkResult,
  TimeCursorOptions,
} from './chunked/chunk-types.ts';
export type { ChunkedRun, RunWaitOptions } from './chunked/chunked-run.ts';
export type { ChunkedTask } from './chunked/chunked-task.ts';
export type { StepOutcome } from './chunked/run-step.ts';
export type { AppConfig, EventsConfig, WorkerConfig } from './config/app-config.ts';
export type { ByteSize } from './config/byte-size.ts';
export type { SchemeEntry } from './config/scheme-registry.ts';
export {
  AppControl,
  type ControlHost,
  DEFAULT_REVOKE_TTL,
  type RevokeOptions,
  UnknownDestination,
} from './control/app-control.ts';
export { type BroadcastOptions, NoReply } from './control/control-client.ts';
export {
  CONTROL_COMMANDS,
  type ControlCommand,
  type ControlReply,
  INSPECT_COMMANDS,
  type InspectCommand,
  type WorkerCommand,
} from './control/control-protocol.ts';
export type { Envelope } from './envelope/envelope.ts';
export {
  BrokerUnavailable,
  CeleriacError,
  ChildExited,
  ConfigError,
  coerceError,
  MalformedMessage,
  PayloadTooLarge,
  Reject,
  ResultTimeout,
  Retry,
  SoftTimeLimitExceeded,
  SqliteFileError,
  TaskExpired,
  TaskRevoked,
  TimeLimitExceeded,
  UnknownTask,
  UnserializableArgument,
} from './errors/errors.ts';
export { AppEvents } from './events/app-events.ts';
export {
  type ClusterEvent,
  type ClusterTaskEvent,
  type ClusterWorkerEvent,
  EVENTS_CHANNEL,
  type EventOrigin,
  isTaskEvent,
  TASK_EVENT_TYPES,
  type TaskEventType,
  WORKER_EVENT_TYPES,
  type WorkerEventType,
} from './events/cluster-event.ts';
export type { EventSink } from './events/event-sink.ts';
export {
  type JsonLinesSinkOptions,
  jsonLinesSink,
} from './events/sinks/json-lines-sink.ts';
export type { SinkStats } from './events/sinks/sink-dispatcher.ts';
export { type WebhookSinkOptions, webhookSink } from './events/sinks/webhook-sink.ts';
export type { TaskEvent, WorkerEventMap, WorkerEvents } from './events/worker-events.ts';
export type { AttemptRunner } from './executors/attempt-runner.ts';
export type { Executor } from './executors/executor.ts';
export type { PoolName } from './executors/pool-name.ts';
export type { RateControlHost } from './flow/rate/rate-control.ts';
export { InvalidRate, NotRateLimited, type RateChange } from './flow/rate/rate-control.ts';
export type { UniqueWhile } from './flow/unique/unique-option.ts';
export type { Execution, Middleware, Outcome } from './middleware/middleware.ts';
export { MissingPackage } from './packages/optional-package.ts';
export { AsyncResult, NoResultBackend, TaskFailed } from './result/async-result.ts';
export type { Serializer } from './serializers/serializer.ts';
export type { TaskContext } from './task/context.ts';
export type {
  KeyOf,
  RateLimitOption,
  RetryMatcher,
  RetryPolicy,
  SendOptions,
  TaskOptions,
} from './task/options.ts';
export type { Duration } from './time/duration.ts';
export type { AutoscaleOptions } from './worker/autoscaler.ts';
export { Worker, type WorkerOptions } from './worker/worker.ts';
export type { WorkerHost } from './worker/worker-host.ts';
export type { WorkerStats } from './worker/worker-stats.ts';
