// The public surface of personal-data masking: detectors for free text, and masking of strings and tables at ingest.
export {
  canonical,
  cnIdCheckChar,
  cnIdValid,
  detect,
  DETECTORS,
  isIPv4,
  isIPv6,
  luhnValid,
  PII_KINDS,
  type Detector,
  type PiiKind,
  type Span,
} from './detectors.js';
export {
  MASK_MODES,
  maskTable,
  maskText,
  REDACTION_LABELS,
  textMasker,
  type ColumnMaskReport,
  type FoundKind,
  type MaskMode,
  type MaskReport,
  type TableMaskOptions,
  type TextMaskOptions,
} from './mask.js';
