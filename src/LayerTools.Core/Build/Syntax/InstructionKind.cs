namespace LayerTools.Core.Build.Syntax;

/// <summary>The Dockerfile instructions, as Docker's reference lists them.</summary>
internal enum InstructionKind
{
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    StopSignal,
    Healthcheck,
    Shell,
}
