// The one error shape every endpoint answers with: a stable code for programs, a message saying where and what.
import Type from 'typebox';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      problems: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()), column: Type.Optional(Type.Integer()) }))),
    }),
  },
  { $id: 'Error' },
);

/** Error responses a route may give, for the OpenAPI document. */
export function errorResponses(...codes: number[]): Record<number, unknown> {
  return Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));
}
