/** Label and field selectors, with kube-apiserver's grammar, semantics and error texts. */
export {
  EVERYTHING,
  NOTHING,
  labelSelectorFromObject,
  selectorFromSet,
  type LabelMatcher,
  type LabelOperator,
  type LabelRequirement,
  type Labels,
} from './labels.js';
export { parseLabelSelector } from './label-parser.js';
export {
  escapeFieldValue,
  parseFieldSelector,
  selectableFields,
  type FieldMatcher,
  type FieldOperator,
  type FieldRequirement,
} from './fields.js';
export { isQualifiedName, isValidLabelValue } from './validation.js';
