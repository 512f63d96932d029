// The schema VS Code's JSON language service gets for *.nn.json (package.json jsonValidation):
// schema/nn.schema.json with every validating keyword taken out, so it gives completions, hover
// docs and snippets but reports nothing. The mistakes are reported once, by Gradient Lab's live
// check (dist/check.js: the engine's own validator, its wording: 'unknown field "hiden"; did you
// mean "hidden"?'), not a second time as "Property hiden is not allowed."
//   enum → defaultSnippets (value completions keep their descriptions); oneOf → anyOf (with no
//   constraints left every branch would match, which oneOf reports); `if` stays (a condition
//   reports nothing) so `then` still offers the optimizer's own fields.

/** Keywords that only constrain (a value that breaks them is reported), never describe. */
const CONSTRAINTS = new Set([
  'type', 'required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties',
  'maxProperties', 'propertyNames', 'not', 'const', 'enum', 'enumDescriptions', 'markdownEnumDescriptions',
]);
/** Keywords whose value is a map of names to subschemas (the names are data, not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

export function editorSchema(schema, { inCondition = false } = {}) {
  if (Array.isArray(schema)) return schema.map((s) => editorSchema(s, { inCondition }));
  if (typeof schema !== 'object' || schema === null) return schema;
  // A condition (`if`) must keep its constraints to select the right `then`.
  if (inCondition) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(key)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, editorSchema(v)]));
    } else if (key === 'if') {
      out.if = editorSchema(value, { inCondition: true });
    } else if (key === 'oneOf') {
      out.anyOf = editorSchema(value);
    } else if (key === 'additionalProperties' && value === false) {
      // dropped: an unknown field is the live check's to report
    } else if (key === 'default' || key === 'examples' || key === 'defaultSnippets') {
      out[key] = value; // data, not schemas
    } else if (!CONSTRAINTS.has(key)) {
      out[key] = typeof value === 'object' && value !== null ? editorSchema(value) : value;
    }
  }
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : null;
  if (values) {
    const docs = schema.markdownEnumDescriptions ?? schema.enumDescriptions ?? [];
    const markdown = !!schema.markdownEnumDescriptions;
    out.defaultSnippets = [
      ...(schema.defaultSnippets ?? []),
      ...values.map((v, i) => ({ label: JSON.stringify(v), body: v, ...(docs[i] ? { [markdown ? 'markdownDescription' : 'description']: docs[i] } : {}) })),
    ];
  }
  return out;
}
