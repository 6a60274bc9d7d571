using LayerTools.Core.Lint;

namespace LayerTools.Core.Tests.Lint;

public sealed class DockerfileLinterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lt-lint-" + Guid.NewGuid().ToString("N"));

    public DockerfileLinterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IReadOnlyList<DockerfileFinding> Check(string text, string? context = null, string[]? rules = null, string[]? exclude = null) =>
        DockerfileLinter.Check(text, "Dockerfile", new LintOptions { ContextPath = context, Rules = rules ?? Array.Empty<string>(), ExcludeRules = exclude ?? Array.Empty<string>() });

    private static IEnumerable<string> Ids(IReadOnlyList<DockerfileFinding> findings) => findings.Select(f => $"{f.RuleId}@{f.Line}");

    [Theory]
    // LT001: apt-get update alone
    [InlineData("LT001", "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n", 2,
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n")]
    // LT002: lists not cleaned (apt, apk, yum, dnf)
    [InlineData("LT002", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", 2,
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n")]
    [InlineData("LT002", "FROM alpine:3.20\nRUN apk add curl\n", 2, "FROM alpine:3.20\nRUN apk add --no-cache curl\n")]
    [InlineData("LT002", "FROM centos:7\nRUN yum install -y httpd\n", 2, "FROM centos:7\nRUN yum install -y httpd && yum clean all\n")]
    [InlineData("LT002", "FROM fedora:40\nRUN dnf install -y git\n", 2, "FROM fedora:40\nRUN dnf install -y git && dnf clean all\n")]
    // LT003: system packages installed after COPY . .
    [InlineData("LT003", "FROM debian:12\nCOPY . /src\nRUN apt-get update && apt-get install -y make && rm -rf /var/lib/apt/lists/*\n", 3,
        "FROM debian:12\nRUN apt-get update && apt-get install -y make && rm -rf /var/lib/apt/lists/*\nCOPY . /src\n")]
    // LT004: npm install after the whole context, manifest not first
    [InlineData("LT004", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", 4,
        "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n")]
    [InlineData("LT004", "FROM python:3.12\nWORKDIR /app\nADD . .\nRUN pip install -r requirements.txt\n", 4,
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n")]
    [InlineData("LT004", "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download\n", 4,
        "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n")]
    // LT006: consecutive RUNs
    [InlineData("LT006", "FROM alpine:3.20\nRUN echo a\nRUN echo b\n", 3, "FROM alpine:3.20\nRUN echo a && echo b\n")]
    // LT007: latest or untagged base images; not scratch nor stages
    [InlineData("LT007", "FROM ubuntu\n", 1, "FROM ubuntu:24.04\n")]
    [InlineData("LT007", "FROM node:latest AS build\nFROM build\n", 1, "FROM node:20 AS build\nFROM build\nFROM scratch\n")]
    [InlineData("LT007", "ARG BASE=alpine\nFROM $BASE\n", 2, "ARG BASE=alpine:3.20\nFROM $BASE\n")]
    // LT008: ADD of local, non-archive files
    [InlineData("LT008", "FROM alpine:3.20\nADD app.py /app/\n", 2, "FROM alpine:3.20\nCOPY app.py /app/\nADD rootfs.tar.gz /\nADD https://example.org/x.txt /x.txt\n")]
    // LT009: secrets in ENV/ARG names
    [InlineData("LT009", "FROM alpine:3.20\nENV DB_PASSWORD=hunter2\n", 2, "FROM alpine:3.20\nENV DB_PASSWORD_FILE=/run/secrets/db\n")]
    [InlineData("LT009", "FROM alpine:3.20\nARG GITHUB_TOKEN\n", 2, "FROM alpine:3.20\nARG GITHUB_REPO\n")]
    // LT010: relative WORKDIR
    [InlineData("LT010", "FROM alpine:3.20\nWORKDIR app\n", 2, "FROM alpine:3.20\nWORKDIR /app\n")]
    // LT011: MAINTAINER
    [InlineData("LT011", "FROM alpine:3.20\nMAINTAINER me <me@example.org>\n", 2, "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=me\n")]
    // LT012: several CMD
    [InlineData("LT012", "FROM alpine:3.20\nCMD [\"a\"]\nCMD [\"b\"]\n", 2, "FROM alpine:3.20\nCMD [\"b\"]\nFROM alpine:3.20\nCMD [\"c\"]\n")]
    // LT013: cd in RUN
    [InlineData("LT013", "FROM alpine:3.20\nRUN cd /tmp && make\n", 2, "FROM alpine:3.20\nWORKDIR /tmp\nRUN make\n")]
    public void EachRuleFiresOnTheCraftedFileAndNotOnTheFixedOne(string rule, string bad, int line, string good)
    {
        var findings = Check(bad, rules: new[] { rule });
        var finding = Assert.Single(findings);
        Assert.Equal(rule, finding.RuleId);
        Assert.Equal(line, finding.Line);
        Assert.Equal("Dockerfile", finding.File);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
        Assert.False(string.IsNullOrWhiteSpace(finding.Fix));
        Assert.Null(finding.Layer);

        Assert.Empty(Check(good, rules: new[] { rule }));
    }

    [Fact]
    public void AWellWrittenDockerfileHasNoFindings()
    {
        var text = """
            FROM node:20-slim AS build
            WORKDIR /app
            RUN apt-get update && apt-get install -y --no-install-recommends python3 \
             && rm -rf /var/lib/apt/lists/*
            COPY package.json package-lock.json ./
            RUN npm ci
            COPY . .
            FROM gcr.io/distroless/nodejs20-debian12:nonroot
            COPY --from=build /app /app
            CMD ["/app/index.js"]
            """;
        Assert.Empty(Check(text));
    }

    [Fact]
    public void FindingsAreSortedByLineWithSeverities()
    {
        var findings = Check("FROM ubuntu\nRUN apt-get update\nRUN apt-get install -y curl\nENV API_KEY=abc\n");
        Assert.Equal(new[] { "LT007@1", "LT001@2", "LT002@3", "LT006@3", "LT009@4" }, Ids(findings));
        Assert.Equal(FindingSeverity.Error, findings.Single(f => f.RuleId == "LT009").Severity);
        Assert.Equal(FindingSeverity.Info, findings.Single(f => f.RuleId == "LT006").Severity);
    }

    [Fact]
    public void IgnoreCommentsSilenceRulesForTheNextInstructionOrTheWholeFile()
    {
        var perInstruction = "FROM ubuntu\n# install tools\n# layertools-ignore=LT002, LT006\nRUN apt-get update && apt-get install -y curl\nRUN echo done\nRUN apk add x\n";
        Assert.Equal(new[] { "LT007@1", "LT006@5", "LT002@6", "LT006@6" }, Ids(Check(perInstruction)));

        var fileWide = "# layertools-ignore=LT007,LT006\nFROM ubuntu\nRUN echo a\nRUN echo b\n";
        Assert.Empty(Check(fileWide));

        // A blank line ends the comment block: the ignore does not reach the RUN.
        var detached = "FROM ubuntu:24.04\nRUN echo a\n# layertools-ignore=LT006\n\nRUN echo b\n";
        Assert.Equal(new[] { "LT006@5" }, Ids(Check(detached)));
    }

    [Fact]
    public void RuleAndExcludeRuleSelectRulesAndUnknownIdsAreErrors()
    {
        var text = "FROM ubuntu\nRUN apt-get update\nRUN echo b\n";
        Assert.Equal(new[] { "LT007@1", "LT001@2", "LT006@3" }, Ids(Check(text)));
        Assert.Equal(new[] { "LT001@2", "LT006@3" }, Ids(Check(text, exclude: new[] { "lt007" })));
        Assert.Equal(new[] { "LT006@3" }, Ids(Check(text, rules: new[] { "ConsecutiveRun" })));
        var ex = Assert.Throws<LayerToolsException>(() => Check(text, rules: new[] { "LT999" }));
        Assert.Equal("UnknownRuleId", ex.ErrorId);
    }

    [Fact]
    public void ParseErrorsAreDockerfileParseErrorsWithFileAndLine()
    {
        var ex = Assert.Throws<LayerToolsException>(() => Check("FROM alpine:3.20\nRUN echo a\nCOPY\n"));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
        Assert.StartsWith("Dockerfile:3:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerignoreRuleLooksAtTheContextFolder()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "node_modules", "left-pad"));
        File.WriteAllBytes(Path.Combine(_dir, "node_modules", "left-pad", "index.js"), new byte[1500]);
        Directory.CreateDirectory(Path.Combine(_dir, ".git"));
        File.WriteAllText(Path.Combine(_dir, ".git", "HEAD"), "ref: refs/heads/main\n");
        File.WriteAllText(Path.Combine(_dir, "package.json"), "{}");
        var dockerfile = Path.Combine(_dir, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n");

        var findings = DockerfileLinter.CheckFile(dockerfile, new LintOptions { Rules = new[] { "LT005" } }, "Dockerfile");
        Assert.Equal(new[] { "LT005@5", "LT005@5" }, Ids(findings));
        Assert.Contains(findings, f => f.Message.Contains("node_modules/ (1 files, 1.5 kB) and there is no .dockerignore", StringComparison.Ordinal));

        // Too thin: .git excluded, node_modules not.
        File.WriteAllText(Path.Combine(_dir, ".dockerignore"), ".git\n*.log\n");
        var thin = DockerfileLinter.CheckFile(dockerfile, new LintOptions { Rules = new[] { "LT005" } });
        Assert.Contains("node_modules/", Assert.Single(thin).Message, StringComparison.Ordinal);
        Assert.Contains(".dockerignore does not exclude it", thin[0].Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir, ".dockerignore"), ".git\nnode_modules\n");
        Assert.Empty(DockerfileLinter.CheckFile(dockerfile, new LintOptions { Rules = new[] { "LT005" } }));

        // Another context (-Context) is the one looked at.
        var other = Path.Combine(_dir, "other");
        Directory.CreateDirectory(Path.Combine(other, ".git"));
        Assert.Single(DockerfileLinter.CheckFile(dockerfile, new LintOptions { ContextPath = other, Rules = new[] { "LT005" } }));
    }

    [Fact]
    public void ShellCommandsSplitsAtOperatorsAndDropsAssignments()
    {
        var s = ShellCommands.Parse("DEBIAN_FRONTEND=noninteractive apt-get update && sudo apt-get install -y 'a b' \\\n c; echo \"x && y\" | cat");
        Assert.Equal(new[] { "apt-get update", "apt-get install -y a b c", "echo x && y", "cat" }, s.Commands.Select(c => string.Join(' ', c)));
    }
}
