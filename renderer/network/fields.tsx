// The Network settings editor's inputs: a labelled input with its as-you-type problem, as a table
// cell or as a field of a DICOMweb service's OAuth row.
export function Problem({ text, label }: { text: string | null; label: string }) {
  return text ? (
    <span className="error small" role="note" aria-label={`${label} problem`}>
      {text}
    </span>
  ) : null;
}

export const OAUTH_HELP =
  "OAuth 2.0 client credentials, for a service behind an identity provider: the token endpoint, the client id, the environment variable of the workstation holding the client secret (the secret is not stored in the settings), and the scopes if the provider needs them. The token is renewed before it expires and when the service refuses it. Leave empty to use the Authorization variable or no login.";

interface FieldProps {
  label: string;
  value: string;
  problem: string | null;
  onChange: (value: string) => void;
  size?: number;
}

/** An input named by `label` and its as-you-type problem. */
function Field({ label, value, problem, onChange, size }: FieldProps) {
  return (
    <>
      <input
        aria-label={label}
        size={size}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <Problem text={problem} label={label} />
    </>
  );
}

/** One labelled field of a DICOMweb service's OAuth row. */
export function OAuthField(props: FieldProps) {
  return (
    <label className="oauth-field">
      {props.label.replace(/^OAuth /, "")} <Field {...props} size={props.size ?? 16} />{" "}
    </label>
  );
}

/** One text cell of an editable table row. */
export function TextCell(props: FieldProps) {
  return (
    <td>
      <Field {...props} />
    </td>
  );
}

export function RemoveCell({ onRemove }: { onRemove: () => void }) {
  return (
    <td>
      <button type="button" onClick={onRemove}>
        Remove
      </button>
    </td>
  );
}
