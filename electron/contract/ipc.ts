// The one IPC contract (STYLE.md 1): every channel between the renderer and the services, with a
// zod schema for its request (checked before any service sees it, STYLE.md 2) and the TypeScript
// type of its response. The preload, the main-side handlers, the loopback bridge and the
// renderer's `window.api` are all derived from CHANNELS, so renaming a field fails to compile in
// every layer. No Node and no DOM here (STYLE.md 7).
import { z } from "zod";
import type { ConfidenceScores } from "./calibration";
import type { Assessment } from "./confidence";
import { SEQUENCES, STUDY_STATUSES } from "./domain";
import type { LesionClass, SequenceId, StudyStatus, Vec3 } from "./domain";
import type { VolumeGeometry } from "./volume";
import type { PatientIdentity } from "./identity";
import type { QualityFlag } from "./quality";
import { INCOMPLETE_POLICIES } from "./quality";
import type { AboutInfo, SiteSettingsView } from "./site";
import type { ResultObjectsOutcome, ResultObjectView } from "./results";
import { OVERDUE_HOURS } from "./site";
import { PASSWORD_MAX, ROLES, USERNAME_PATTERN, type SessionView, type UserView } from "./users";
import { auditFilter, type AuditPageView } from "./audit";
import type { CohortAnalytics } from "../evaluation/analytics";
import { deleteReason, RETENTION_DAYS, type StudyDeletionView } from "./deletion";

const uid = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9.]+$/, "a DICOM UID (digits and dots)");
const sequence = z.enum(SEQUENCES);

export const WORKLIST_SORT_KEYS = [
  "confidence",
  "patientName",
  "patientId",
  "studyDate",
  "prediction",
  "status",
] as const;
export type WorklistSortKey = (typeof WORKLIST_SORT_KEYS)[number];

/** Which part of the day's work the table shows (issue 6 §2). */
export const WORKLIST_QUEUES = ["confident", "review", "all"] as const;
export type WorklistQueue = (typeof WORKLIST_QUEUES)[number];

/** Issue 13 §4: which date a worklist date filter reads (the DICOM study date or the arrival). */
export const WORKLIST_DATE_FIELDS = ["study", "arrival"] as const;
export type WorklistDateField = (typeof WORKLIST_DATE_FIELDS)[number];
const yyyymmdd = z.string().regex(/^\d{8}$/, "a date YYYYMMDD");

const worklistQueryFields = z.object({
  queue: z.enum(WORKLIST_QUEUES),
  /** "Show the N% most confident": 0..100, the share of scored studies that stays in the list. */
  topPercent: z.number().min(0).max(100),
  sort: z.enum(WORKLIST_SORT_KEYS),
  descending: z.boolean(),
  search: z.string().max(200),
  /** Restrict to one status, or "" for every status. */
  status: z.union([z.literal(""), z.enum(STUDY_STATUSES)]),
  offset: z.number().int().min(0),
  limit: z.number().int().min(1).max(500),
  /**
   * Issue 11 §3, fixed calibrated threshold instead of topPercent: the confident list is every
   * study whose assessment's probCorrect >= this, so it does not change when unrelated studies
   * are imported. null or absent: the topPercent rule.
   */
  minProbCorrect: z.number().min(0).max(1).nullable().optional(),
  /**
   * Issue 13 §4, triage filters (absent: off). dateFrom/dateTo are inclusive YYYYMMDD days on
   * the study date (DICOM StudyDate) or the arrival date (first stored here, the workstation's
   * local day); either end may be open.
   */
  dateField: z.enum(WORKLIST_DATE_FIELDS).optional(),
  dateFrom: yyyymmdd.optional(),
  dateTo: yyyymmdd.optional(),
  /** Urgent studies first, then overdue ones, each group in the chosen sort. */
  urgentFirst: z.boolean().optional(),
  /** Only studies not flagged reviewed. */
  unreviewedOnly: z.boolean().optional(),
  /** Only studies waiting longer than the site's overdue limit without a review. */
  overdueOnly: z.boolean().optional(),
});
const worklistQuery = worklistQueryFields.refine(
  (q) => q.dateFrom === undefined || q.dateTo === undefined || q.dateFrom <= q.dateTo,
  { message: "the date range ends before it starts (dateFrom after dateTo)", path: ["dateTo"] },
);
export type WorklistQuery = z.infer<typeof worklistQuery>;

export interface WorklistRow {
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  description: string;
  status: StudyStatus;
  prediction: LesionClass | null;
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  /** 1 = most confident scored study; null when the study has no confidence. */
  confidenceRank: number | null;
  /** True when the study is outside the N% most confident and so waits for a radiologist. */
  needsReview: boolean;
  reviewed: boolean;
  urgent: boolean;
  /** The calibrated reading (issue 11 §3); null when the analysis has none. */
  assessment?: Assessment | null;
  /** Full name, birth date, age, sex, accession (issue 13 §1). */
  identity: PatientIdentity;
  /** The image-quality gate's verdict of the latest analysis (issue 13 §3); null when none. */
  quality: QualityFlag | null;
  /** Issue 13 §4: the latest review comment ("" when none). */
  comment?: string;
  /** When the study first arrived here (ISO 8601), and when it was flagged reviewed (or null). */
  arrivedAt?: string;
  reviewedAt?: string | null;
  /** Minutes from arrival until reviewed, or until now while unreviewed. */
  queueMinutes?: number;
  /** Unreviewed for longer than the site's overdue limit. */
  overdue?: boolean;
}

/** Issue 13 §4: studies waiting past the site's limit, so none waits unseen below the cut. */
export interface OverdueSummary {
  limitHours: number;
  /** Overdue studies in the whole worklist, and those among them outside the confident list. */
  total: number;
  belowCut: number;
}

export interface ClassSummary {
  total: number;
  byClass: Record<LesionClass, number>;
  noLesion: number;
}

export interface WorklistPage {
  rows: WorklistRow[];
  /** Rows matching the query (queue, search, status) before offset/limit. */
  total: number;
  offset: number;
  counts: { all: number; scored: number; confident: number; review: number; unanalyzed: number };
  /** Per-class counts of the confident list and of the review queue, before search/status. */
  summary: { confident: ClassSummary; review: ClassSummary };
  /** Paper confidence of the last study inside the confident list, or null when none is. */
  confidenceCut: number | null;
  /** Calibrated probCorrect of that study when it has an assessment (issue 11 §3). */
  cutProbCorrect?: number | null;
  /** Overdue studies under the site's limit (issue 13 §4). */
  overdue?: OverdueSummary;
}

export interface SeriesOption {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  description: string;
  instanceCount: number;
  excludedReason: string | null;
  /** Why it cannot be chosen for any sequence (localizer, derived, non-axial ...); issue 13 §2. */
  unusableReason?: string | null;
}

export interface AssignmentView {
  sequence: SequenceId;
  seriesInstanceUid: string | null;
  seriesDescription: string | null;
  source: "auto" | "manual" | null;
  rule: string | null;
  assignedBy: string | null;
  assignedAt: string | null;
}

export interface RoiView {
  rank: number;
  seriesInstanceUid: string;
  sequence: SequenceId;
  sliceIndex: number;
  /** Box in pixels of that slice: columns x0..x1, rows y0..y1. */
  box: [number, number, number, number];
  centerMm: Vec3;
  score: number;
  probabilities: Record<string, number>;
  /** A classifier with a "not a lesion" output: its reading, and whether the ROI was left out. */
  reject?: { probability: number; rejected: boolean };
}

/** Per class: the spread of the Monte-Carlo samples (issue 4 §5 classify). */
export interface McClassSpread {
  mean: number;
  std: number;
}

export interface AnalysisView {
  status: "analyzed" | "no-roi" | "incomplete" | "error";
  error: string | null;
  prediction: LesionClass | null;
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  uncertainty: number | null;
  mcSpread: Partial<Record<LesionClass, McClassSpread>>;
  models: { id: string; version: string; sha256: string }[];
  provider: string;
  timingsMs: Record<string, number>;
  finishedAt: string;
  rois: RoiView[];
  /** Issue 11 §3: the candidate confidence scores and the calibrated reading, when stored. */
  scores?: ConfidenceScores | null;
  assessment?: Assessment | null;
}

export interface ReviewState {
  reviewed: boolean;
  urgent: boolean;
  comment: string;
  actor: string | null;
  at: string | null;
}

export interface AuditView {
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface StudyDetail {
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  description: string;
  status: StudyStatus;
  assignments: AssignmentView[];
  missing: SequenceId[];
  series: SeriesOption[];
  analysis: AnalysisView | null;
  review: ReviewState;
  audit: AuditView[];
  /** Full name, birth date, age, sex, accession (issue 13 §1). */
  identity: PatientIdentity;
  /** The image-quality gate's verdict of the latest analysis (issue 13 §3); null when none. */
  quality: QualityFlag | null;
  /** Sequences reassigned since the latest analysis read them: its result is stale (§2). */
  staleSequences: SequenceId[];
}

export interface SeriesGeometry {
  seriesInstanceUid: string;
  geometry: VolumeGeometry;
  /** 1st and 99th percentile of the stored values: the "auto" window of the viewer. */
  p1: number;
  p99: number;
}

/** One slice's pixels as float32 bytes (typed array, never JSON numbers). */
export interface SlicePixels {
  seriesInstanceUid: string;
  sliceIndex: number;
  columns: number;
  rows: number;
  pixels: Float32Array;
}

export interface JobView {
  id: number;
  kind: "import" | "analyze";
  state: "queued" | "running" | "done" | "failed" | "cancelled";
  stage: string | null;
  progress: number;
  studyInstanceUid: string | null;
  label: string;
  error: string | null;
  /** Per-file errors of an import job (path and reason), newest last. */
  fileErrors: { path: string; reason: string }[];
  /** A finished import's counts (issue 13 §5); absent while running and for analyses. */
  summary?: ImportJobSummary | null;
  /** When an import job was started and ended (ISO), from the jobs table (issue 13 §5). */
  createdAt?: string | null;
  finishedAt?: string | null;
  /**
   * Set on job events of the event stream: the source paths (which can carry patient names) were
   * left out of label, error and fileErrors; `jobs:list` has them (issue 12 §4).
   */
  pathsHidden?: boolean;
}

export interface ImportJobSummary {
  files: number;
  imported: number;
  duplicates: number;
  skipped: number;
  rejected: number;
  studies: number;
  complete: number;
  incomplete: number;
}

export interface AppInfo {
  version: string;
  actor: string;
  dataDir: string;
  transport: "ipc" | "bridge";
}

export interface Settings {
  topPercent: number;
  /** Fixed calibrated threshold mode (issue 11 §3); null: the topPercent rule. */
  minProbCorrect?: number | null;
}

/** The DICOM node as the Network panel shows it (issue 14). */
export interface NetworkStatusView {
  /** network.json enables the listener with the app. */
  enabled: boolean;
  listening: boolean;
  aeTitle: string;
  bind: string;
  port: number;
  /** Calling AEs allowed to send; empty: any. */
  allowed: string[];
  quietSeconds: number;
  autoAnalyze: boolean;
  nodes: {
    name: string;
    aeTitle: string;
    host: string;
    port: number;
    /** C-MOVE (default) or C-GET (issue 14 round 6). */
    retrieve?: "move" | "get";
  }[];
  /** DICOMweb services (QIDO-RS / WADO-RS / STOW-RS), set in network.json or `livercad nodes`. */
  webNodes: {
    name: string;
    url: string;
    authEnv?: string;
    /** OAuth 2.0 client credentials (the secret's variable name only, never the secret). */
    oauth?: { tokenUrl: string; clientId: string; secretEnv: string; scope?: string };
  }[];
  /** Studies received since the app started, newest first. */
  arrivals: {
    studyInstanceUid: string;
    state: "receiving" | "settling" | "settled";
    instances: number;
    callingAeTitles: string[];
  }[];
  /** Why the listener is not running when it should (port taken, bad network.json). */
  problem: string | null;
  /** C-MOVE retrievals started from the Query PACS screen, newest first (issue 14 §2). */
  retrievals?: RetrievalView[];
  /**
   * The listener also answers C-FIND / C-MOVE / C-GET of this registry (issue 14 §4); off with
   * network.json `"local": {"queryRetrieve": false}`.
   */
  queryRetrieve?: boolean;
}

/** One study a remote node's C-FIND returned (the Query PACS screen's results table). */
export interface QueryStudyView {
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  description: string;
  modalities: string;
  instances: number | null;
}

/** One series of a study (the Query PACS screen's "Series" view of a result row). */
export interface QuerySeriesView {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  modality: string;
  description: string;
  instances: number | null;
}

/** One study's C-MOVE to this workstation's listener, followed through network:status. */
export interface RetrievalView {
  id: number;
  node: string;
  studyInstanceUid: string;
  /** One series only (SERIES-level retrieve), else the whole study. */
  seriesInstanceUid?: string | null;
  /** C-MOVE to our listener, C-GET on our own association, or WADO-RS from a DICOMweb node. */
  method?: "move" | "get" | "wado";
  /**
   * "cancelling": C-CANCEL sent, waiting for the peer's final response; "cancelled": stopped by
   * the user (the counts are those when it stopped; what arrived stays imported).
   */
  state: "queued" | "running" | "done" | "failed" | "cancelling" | "cancelled";
  completed: number;
  remaining: number;
  failed: number;
  warnings: number;
  /** The final C-MOVE status, when one came. */
  status: number | null;
  error: string | null;
}

export interface EchoView {
  name: string;
  ok: boolean;
  status: number | null;
  ms: number;
  error: string | null;
}

/** A study's final (pathology) diagnosis, as the study view shows and edits it (issue 16 §1). */
export interface TruthView {
  label: LesionClass;
  largestLesionMm: number | null;
  source: "file" | "manual";
  actor: string;
  at: string;
}

/** One imported ground-truth or reader file: an Analytics cohort can be "this file's studies". */
export interface EvaluationImportView {
  id: number;
  kind: "truth" | "readers";
  fileName: string;
  rowCount: number;
  actor: string;
  at: string;
}

/** The outcome of importing a file: stored rows, or every bad row and nothing stored. */
export interface EvaluationImportResult {
  fileName: string;
  importId: number | null;
  stored: number;
  errors: { line: number; message: string }[];
}

/** Which studies the Analytics screen evaluates: one truth import (or all), narrowed by a search. */
const cohortQuery = z.object({
  importId: z.number().int().min(1).nullable(),
  search: z.string().max(200),
  topPercent: z.number().min(1).max(100),
});
export type CohortQuery = z.infer<typeof cohortQuery>;

/** Issue 15 §4: what the Export dialog can write (the same formats as `livercad export`). */
export const EXPORT_DIALOG_FORMATS = ["csv", "xlsx", "pdf", "sr", "gsps", "deid"] as const;
export type ExportDialogFormat = (typeof EXPORT_DIALOG_FORMATS)[number];

/** One export started from the dialog: progress per file, every failed file with its reason. */
export interface ExportJobView {
  id: number;
  format: ExportDialogFormat;
  outDir: string;
  /** cancelled: stopped from the dialog; the files it had written were removed. */
  state: "running" | "done" | "failed" | "cancelled";
  /** Files reported so far and the total expected (known from the start). */
  done: number;
  total: number;
  studies: number;
  written: number;
  /** Per-file errors: the file (relative to outDir, may be empty), its study and the reason. */
  fileErrors: { file: string; studyInstanceUid: string | null; reason: string }[];
  /** Written files, relative to outDir (the done summary lists them). */
  files: string[];
  /** Why the whole export stopped (state "failed"); null otherwise. */
  error: string | null;
}

const studyRef = z.object({ studyInstanceUid: uid });

/**
 * Every channel: its request schema and (as a phantom type) its response. The response is typed
 * only: the service builds it, and both transports carry it unchanged.
 */
export const CHANNELS = {
  "app:info": { request: z.object({}), response: null as unknown as AppInfo },
  "settings:get": { request: z.object({}), response: null as unknown as Settings },
  "settings:set": {
    request: z.object({
      topPercent: z.number().min(0).max(100),
      minProbCorrect: z.number().min(0).max(1).nullable().optional(),
    }),
    response: null as unknown as Settings,
  },
  "worklist:page": { request: worklistQuery, response: null as unknown as WorklistPage },
  "worklist:neighbour": {
    request: z.object({
      studyInstanceUid: uid,
      direction: z.enum(["next", "previous"]),
      query: worklistQuery,
    }),
    response: null as unknown as { studyInstanceUid: string | null },
  },
  "study:detail": { request: studyRef, response: null as unknown as StudyDetail },
  /** Starts decoding a study's five series in the background (a row was selected). */
  "study:prefetch": { request: studyRef, response: null as unknown as { series: number } },
  "series:geometry": {
    request: z.object({ seriesInstanceUid: uid }),
    response: null as unknown as SeriesGeometry,
  },
  "series:slice": {
    request: z.object({ seriesInstanceUid: uid, sliceIndex: z.number().int().min(0) }),
    response: null as unknown as SlicePixels,
  },
  "review:set": {
    request: z.object({
      studyInstanceUid: uid,
      reviewed: z.boolean(),
      urgent: z.boolean(),
      comment: z.string().max(2000),
    }),
    response: null as unknown as ReviewState,
  },
  "assignment:override": {
    request: z.object({
      studyInstanceUid: uid,
      sequence,
      seriesInstanceUid: uid.nullable(),
      reason: z.string().max(500),
    }),
    response: null as unknown as AssignmentView[],
  },
  "import:start": {
    request: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(1000) }),
    response: null as unknown as JobView,
  },
  "analysis:enqueue": {
    /** The listed studies, plus (with unanalyzed) every study never analyzed. */
    request: z.object({ studyInstanceUids: z.array(uid).max(100_000), unanalyzed: z.boolean() }),
    response: null as unknown as { queued: number },
  },
  "jobs:list": { request: z.object({}), response: null as unknown as JobView[] },
  "jobs:cancel": {
    request: z.object({ id: z.number().int().min(1) }),
    response: null as unknown as JobView | null,
  },
  /** The About screen: notice, data directory, models' intended use (issue 13 §7). */
  "site:about": { request: z.object({}), response: null as unknown as AboutInfo },
  "site:settings": { request: z.object({}), response: null as unknown as SiteSettingsView },
  /** Changes one site setting; audited with the user, old and new value (issue 13). */
  "site:set": {
    request: z
      .object({
        incompleteSeries: z.enum(INCOMPLETE_POLICIES).optional(),
        /** Issue 13 §4: hours unreviewed before a study is flagged overdue. */
        overdueHours: z.number().min(OVERDUE_HOURS.min).max(OVERDUE_HOURS.max).optional(),
        /** Admin only (issue 13 §6); refused without an enabled admin account. */
        requireSignIn: z.boolean().optional(),
        /** Issue 13 §7: days after arrival before `livercad retention` deletes; 0 = never. */
        retentionDays: z.number().int().min(RETENTION_DAYS.min).max(RETENTION_DAYS.max).optional(),
        /** Issue 13 §7: the running workstation applies retentionDays once a day. */
        retentionInApp: z.boolean().optional(),
      })
      .refine((r) => Object.keys(r).length > 0, { message: "name at least one setting" }),
    response: null as unknown as SiteSettingsView,
  },
  /** The DICOM node's state (issue 14): listener address, AE, allow-list, remote nodes. */
  "network:status": { request: z.object({}), response: null as unknown as NetworkStatusView },
  /** C-ECHO to a configured remote node, by name. */
  "network:echo": {
    request: z.object({ name: z.string().min(1).max(200) }),
    response: null as unknown as EchoView,
  },
  /** C-FIND at study level on a configured node (the Query PACS screen). */
  "network:query": {
    request: z.object({
      name: z.string().min(1).max(200),
      patientName: z.string().max(64).optional(),
      patientId: z.string().max(64).optional(),
      /** YYYYMMDD, inclusive; either end may be open. */
      dateFrom: z
        .string()
        .regex(/^\d{8}$/, "a date YYYYMMDD")
        .optional(),
      dateTo: z
        .string()
        .regex(/^\d{8}$/, "a date YYYYMMDD")
        .optional(),
      accessionNumber: z.string().max(16).optional(),
      /** Modalities in Study; "" for any (default MR). */
      modality: z.string().max(16).optional(),
      /** Series level instead: this study's series (the other fields are then ignored). */
      studyInstanceUid: uid.optional(),
    }),
    response: null as unknown as { matches: QueryStudyView[]; series?: QuerySeriesView[] },
  },
  /**
   * C-MOVE of studies from a configured node to our own listener, one after another in the
   * background; progress and final state come with network:status's `retrievals`. Retrieved
   * instances arrive like received ones (imported, and analyzed when auto-analysis is on).
   */
  "network:retrieve": {
    request: z.object({
      name: z.string().min(1).max(200),
      studyInstanceUids: z.array(uid).min(1).max(100),
      /** Only this series of the one study given (SERIES level). */
      seriesInstanceUid: uid.optional(),
    }),
    response: null as unknown as RetrievalView[],
  },
  /**
   * Cancels a retrieval started by network:retrieve (issue 14 round 7): a queued one never
   * starts; a running one gets C-CANCEL-MOVE-RQ / C-CANCEL-GET-RQ (PS3.7 9.3.2.3 / 9.3.3.3) and
   * ends "cancelled" with its counts when the peer answers (or is aborted after a timeout).
   */
  "network:cancel-retrieval": {
    request: z.object({ id: z.number().int().positive() }),
    response: null as unknown as RetrievalView,
  },
  /**
   * The Network settings editor (issue 14 round 6): the listener and the remote nodes, written to
   * network.json (as `livercad nodes` does), the listener restarted, the change audited. The
   * shape is checked here; each value against its rule (PS3.5 AE title, port, address) in
   * services/network/settings-edit.ts, whose messages name the field.
   */
  "network:save-settings": {
    request: z.object({
      local: z.object({
        aeTitle: z.string().max(64),
        port: z.number(),
        bind: z.string().max(255),
        enabled: z.boolean(),
        /** "AE" or "AE@address,address". */
        allowed: z.array(z.string().max(300)).max(200),
        quietSeconds: z.number(),
        autoAnalyze: z.boolean(),
        /** The Query/Retrieve SCP on the listener; absent: network.json's switch is kept. */
        queryRetrieve: z.boolean().optional(),
      }),
      nodes: z
        .array(
          z.object({
            name: z.string().max(64),
            aeTitle: z.string().max(64),
            host: z.string().max(255),
            port: z.number(),
            retrieve: z.enum(["move", "get"]),
          }),
        )
        .max(100),
      /** DICOMweb services; absent: the ones in network.json are kept. */
      webNodes: z
        .array(
          z.object({
            name: z.string().max(64),
            url: z.string().max(2048),
            /** The environment variable holding the Authorization header; "" or absent: none. */
            authEnv: z.string().max(255).optional(),
            /** OAuth client credentials as typed; every field "" or absent: none. */
            oauth: z
              .object({
                tokenUrl: z.string().max(2048),
                clientId: z.string().max(255),
                secretEnv: z.string().max(255),
                scope: z.string().max(1024),
              })
              .partial()
              .optional(),
          }),
        )
        .max(100)
        .optional(),
    }),
    response: null as unknown as NetworkStatusView,
  },
  /** Issue 16: ground truth / reader files in, the Analytics screen's cohort and its exports. */
  "evaluation:import": {
    request: z.object({ kind: z.enum(["truth", "readers"]), path: z.string().min(1).max(4096) }),
    response: null as unknown as EvaluationImportResult,
  },
  "evaluation:imports": {
    request: z.object({}),
    response: null as unknown as EvaluationImportView[],
  },
  "evaluation:analytics": {
    request: cohortQuery,
    response: null as unknown as CohortAnalytics,
  },
  "evaluation:report": {
    request: cohortQuery.extend({ dir: z.string().min(1).max(4096) }),
    response: null as unknown as { files: string[] },
  },
  "evaluation:export-figure": {
    request: z.object({
      dir: z.string().min(1).max(4096),
      id: z.string().regex(/^[a-z0-9-]{1,64}$/, "a figure id"),
      svg: z.string().min(1).max(5_000_000),
    }),
    response: null as unknown as { files: string[] },
  },
  "truth:get": { request: studyRef, response: null as unknown as TruthView | null },
  "truth:set": {
    request: z.object({
      studyInstanceUid: uid,
      label: z.enum(["HCC", "ICC", "metastasis"]).nullable(),
      largestLesionMm: z.number().gt(0).lt(500).nullable(),
    }),
    response: null as unknown as TruthView | null,
  },
  /** Issue 15 §4: the Export dialog. Empty studyInstanceUids: every analyzed study. */
  "export:start": {
    request: z.object({
      format: z.enum(EXPORT_DIALOG_FORMATS),
      outDir: z.string().min(1).max(4096),
      studyInstanceUids: z.array(uid).max(100_000),
      key: z.boolean().optional(),
    }),
    response: null as unknown as ExportJobView,
  },
  "export:status": {
    request: z.object({ id: z.number().int().min(1) }),
    response: null as unknown as ExportJobView,
  },
  /** Stops a running export between files; the files it wrote are removed (issue 15). */
  "export:cancel": {
    request: z.object({ id: z.number().int().min(1) }),
    response: null as unknown as ExportJobView,
  },
  /** Issue 15 §1: the study's SR / GSPS as stored objects (the study view's Results in DICOM). */
  "results:list": { request: studyRef, response: null as unknown as ResultObjectView[] },
  /** Copies the current analysis' stored objects (written first if pending) into a folder. */
  "results:export": {
    request: z.object({ studyInstanceUid: uid, outDir: z.string().min(1).max(4096) }),
    response: null as unknown as ResultObjectsOutcome,
  },
  /** C-STOREs the current analysis' stored objects to a configured node, by name. */
  "results:send": {
    request: z.object({ studyInstanceUid: uid, name: z.string().min(1).max(200) }),
    response: null as unknown as ResultObjectsOutcome,
  },
  /**
   * Issue 13 §4: one review flag set from the worklist row (mouse or key); the other flag and the
   * comment stay as the latest review left them. Appended and audited like review:set.
   */
  "review:flag": {
    request: z.object({
      studyInstanceUid: uid,
      flag: z.enum(["reviewed", "urgent"]),
      value: z.boolean(),
    }),
    response: null as unknown as ReviewState,
  },
  /** Issue 13 §6: who is signed in, and signing in and out (audited). */
  "auth:session": { request: z.object({}), response: null as unknown as SessionView },
  "auth:sign-in": {
    request: z.object({
      username: z.string().min(1).max(64),
      password: z.string().min(1).max(PASSWORD_MAX),
    }),
    response: null as unknown as SessionView,
  },
  "auth:sign-out": { request: z.object({}), response: null as unknown as SessionView },
  /** The Users panel (admin only, checked in the service). */
  "users:list": { request: z.object({}), response: null as unknown as UserView[] },
  "users:add": {
    request: z.object({
      username: z.string().regex(USERNAME_PATTERN, "1-64 letters, digits, . _ -"),
      displayName: z.string().min(1).max(128),
      role: z.enum(ROLES),
      password: z.string().min(1).max(PASSWORD_MAX),
    }),
    response: null as unknown as UserView,
  },
  "users:update": {
    request: z.object({
      username: z.string().min(1).max(64),
      displayName: z.string().min(1).max(128).optional(),
      role: z.enum(ROLES).optional(),
      enabled: z.boolean().optional(),
      password: z.string().min(1).max(PASSWORD_MAX).optional(),
    }),
    response: null as unknown as UserView,
  },
  /** Issue 13 §6: the Audit screen, filtered by user, action, time and study, newest first. */
  "audit:query": {
    request: auditFilter.extend({ limit: z.number().int().min(1).max(2000).optional() }),
    response: null as unknown as AuditPageView,
  },
  /** Writes every matching entry as CSV (BOM, formulas escaped) into outDir; audited. */
  "audit:export": {
    request: auditFilter.extend({ outDir: z.string().min(1).max(4096) }),
    response: null as unknown as { file: string; rows: number },
  },
  /**
   * Issue 13 §7: deletes a study, its series, images, analyses, reviews and results (admin only,
   * users/guard.ts); audited as study.delete with the UID and the reason. Refused while an
   * analysis or an import is working on it.
   */
  "study:delete": {
    request: z.object({ studyInstanceUid: uid, reason: deleteReason }),
    response: null as unknown as StudyDeletionView,
  },
} as const;

export type Channel = keyof typeof CHANNELS;
export type Request<C extends Channel> = z.infer<(typeof CHANNELS)[C]["request"]>;
export type Response<C extends Channel> = (typeof CHANNELS)[C]["response"];

export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(CHANNELS, name);
}

/** What every call returns across a process boundary (STYLE.md 2). */
export type Result<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** Events the services push to the renderer (job progress, registry changes). */
export type ServiceEvent =
  { type: "job"; job: JobView } | { type: "registry-changed"; studyInstanceUids: string[] | null };

/** The IPC channel the main process sends ServiceEvents on. */
export const EVENT_CHANNEL = "livercad:event";
/** Prefix of invoke channels on ipcMain, so the app's channels cannot collide with Electron's. */
export const INVOKE_PREFIX = "livercad:";

/** Electron only (not a service call): the main process shows the native folder picker. */
export const PICK_FOLDER_CHANNEL = "livercad-shell:pick-folder";
/** The origin the Electron window loads the renderer from (a privileged custom scheme). */
export const APP_ORIGIN = "livercad://app";

/** The renderer's `window.api`: one promise-returning method per channel, plus events. */
export type Api = {
  [C in Channel]: (request: Request<C>) => Promise<Result<Response<C>>>;
} & {
  onEvent(listener: (event: ServiceEvent) => void): () => void;
  /** Electron only: the native folder picker, and the file-system path of a dropped File. */
  pickFolder?: () => Promise<string | null>;
  pathForFile?: (file: unknown) => string;
};
