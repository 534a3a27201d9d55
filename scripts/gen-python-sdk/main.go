// Command gen-python-sdk generates the `pulumi_vast` Python SDK from the package schema with
// Pulumi's own Python code generator (github.com/pulumi/pulumi/pkg/v3/codegen/python), offline:
// the language hosts built here cannot answer `pulumi package gen-sdk` (no GeneratePackage RPC).
//
//	gen-python-sdk <schema.json> <out-dir>
//
// It writes the generated files under <out-dir> and prints their paths, one per line, on stdout.
// scripts/gen-python-sdk.sh builds and runs it; see there.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The Python options a schema would carry under `language.python`; they live here so that the
// schema stays the plugin's own (GetSchema serves it as written).
var pythonOptions = map[string]any{
	"packageName": "pulumi_vast",
	// The package version is the schema's, which is the plugin's: the generated resource classes
	// pin the plugin version from it.
	"respectSchemaVersion": true,
	"pyproject":            map[string]any{"enabled": true},
	// The pulumi package from PyPI that runs here (3.272) needs Python 3.10.
	"pythonRequires": ">=3.10",
	"readme": "Python SDK of the `vast` Pulumi provider: Vast.ai API keys as code.\n\n" +
		"Resources: `ApiKey` (`vast:index:ApiKey`) and `Provider`; permission presets in `pulumi_vast.presets`.\n" +
		"Needs the `vast` provider plugin (`pulumi-resource-vast`), built with `npm run build:plugin` in the\n" +
		"pulumi-vast-api-keys repository.",
}

func run(schemaPath, outDir string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if spec.Language == nil {
		spec.Language = map[string]schema.RawMessage{}
	}
	if _, ok := spec.Language["python"]; ok {
		return fmt.Errorf("%s has language.python; merge it with the options in gen-python-sdk/main.go first", schemaPath)
	}
	options, err := json.Marshal(pythonOptions)
	if err != nil {
		return err
	}
	spec.Language["python"] = options

	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s is not a valid package schema:\n%s", schemaPath, diags.Error())
	}
	files, err := python.GeneratePackage("scripts/gen-python-sdk.sh from schema.json", pkg, nil, nil) // no package dependencies, so no loader
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Println(name)
	}
	return nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-python-sdk <schema.json> <out-dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-python-sdk:", err)
		os.Exit(1)
	}
}
