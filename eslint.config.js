// One lint setup for the whole repository: typescript-eslint's type-aware strict rules, plus
// house rules that encode security lessons (see CONTRIBUTING.md).
import js from '@eslint/js'
import jsdoc from 'eslint-plugin-jsdoc'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'test-results/**', 'coverage/**', '.mandate/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['packages/**/*.{ts,tsx}', 'examples/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Use explicit named exports.' },
        { selector: 'ExportDefaultDeclaration', message: 'Use explicit named exports.' },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Use node:crypto randomBytes/randomUUID for anything that must not be guessed.',
        },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx'],
    rules: { 'no-console': 'error' },
  },
  {
    // A request path is a list of named steps, not one long closure; every export says what it
    // is for (TSDoc), so the API reads from its declarations.
    files: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    plugins: { jsdoc },
    rules: {
      'max-lines-per-function': ['error', { max: 80 }],
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: true,
          require: {
            FunctionDeclaration: true,
            ClassDeclaration: true,
            ArrowFunctionExpression: true,
            FunctionExpression: true,
          },
          contexts: [
            'TSInterfaceDeclaration',
            'TSTypeAliasDeclaration',
            'TSEnumDeclaration',
            'ExportNamedDeclaration > VariableDeclaration',
          ],
        },
      ],
    },
  },
  {
    // Released migrations are never edited (packages/store/src/migrations/index.ts documents
    // them); their `up`/`down` exports are Kysely's Migration interface.
    files: ['packages/store/src/migrations/2*.ts'],
    rules: { 'jsdoc/require-jsdoc': 'off' },
  },
  {
    // node:test's describe/it return promises the runner awaits itself; tests may assert presence.
    files: ['**/test/**/*.{ts,tsx}', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'describe',
                'it',
                'test',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
)
