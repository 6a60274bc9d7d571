using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Run;

/// <summary>
/// The runtime-spec <c>linux.seccomp</c> section for a RUN step: the same effect as Docker's default
/// profile for a container with Docker's default capabilities, written from its documented
/// behaviour. An allow-list: every other system call fails with EPERM (runc and crun return ENOSYS
/// for calls newer than any listed, so a C library falls back as it would on an older kernel).
/// Left out, as Docker leaves them out: mount, umount2, pivot_root, unshare, setns and clone with
/// a namespace flag (no new namespaces, so no user namespace with its own "root"), keyctl,
/// add_key, request_key, bpf, perf_event_open, userfaultfd, the io_uring calls, kernel modules,
/// kexec, reboot, swap, quotactl, acct, open_by_handle_at, the clock and NUMA setters,
/// iopl/ioperm, syslog and the obsolete calls; personality only with the values Docker allows
/// (no BSD emulation); clone3 answers ENOSYS so the C library uses clone, whose flags can be checked.
/// ptrace and process_vm_readv/writev are allowed on kernels from 4.8 as in Docker: without
/// CAP_SYS_PTRACE and in its own PID namespace a step can only trace its own processes.
/// </summary>
internal static class SeccompProfile
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;

    /// <summary>CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.</summary>
    private const long NamespaceFlags = 0x7E020000;

    /// <summary>PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26, and 0xffffffff (query only).</summary>
    private static readonly long[] Personalities = { 0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF };

    private const string Allowed = """
        accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32 chroot
        clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
        close close_range connect copy_file_range creat dup dup2 dup3
        epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2
        execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark
        fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork
        fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64
        futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat
        getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32
        getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
        getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr
        inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
        io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit ipc kill
        landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr
        llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create mincore
        mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
        mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync
        munlock munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal
        pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
        process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv
        recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall
        rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
        rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
        sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
        sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
        semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setdomainname setfsgid setfsgid32 setfsuid setfsuid32
        setgid setgid32 setgroups setgroups32 sethostname setitimer setpgid setpriority setregid setregid32 setresgid setresgid32
        setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address
        setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn
        socket socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs
        sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
        timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill
        truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice
        wait4 waitid waitpid write writev
        arch_prctl modify_ldt
        arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2
        """;

    private const string Tracing = "ptrace process_vm_readv process_vm_writev";

    /// <summary>The allowed system calls, for tests and the README's table.</summary>
    public static IReadOnlyList<string> AllowedNames => Names(Allowed).Concat(TracingAllowed ? Names(Tracing) : Array.Empty<string>()).ToArray();

    private static bool TracingAllowed => Environment.OSVersion.Version >= new Version(4, 8);

    public static JsonObject Build()
    {
        var (architectures, cloneFlagsArgument) = Architectures();
        var syscalls = new JsonArray
        {
            Rule(AllowedNames, "SCMP_ACT_ALLOW"),
            Rule(new[] { "clone" }, "SCMP_ACT_ALLOW", Argument(cloneFlagsArgument, NamespaceFlags, "SCMP_CMP_MASKED_EQ", 0)),
            Rule(new[] { "clone3" }, "SCMP_ACT_ERRNO", errno: ENOSYS),
        };
        foreach (var persona in Personalities)
        {
            syscalls.Add(Rule(new[] { "personality" }, "SCMP_ACT_ALLOW", Argument(0, persona, "SCMP_CMP_EQ")));
        }

        return new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ERRNO",
            ["defaultErrnoRet"] = EPERM,
            ["architectures"] = new JsonArray(architectures.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["syscalls"] = syscalls,
        };
    }

    private static string[] Names(string list) => list.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The host's architecture and the ones it runs binaries of; the argument that holds clone's flags (the second on s390).</summary>
    private static (string[] Architectures, int CloneFlags) Architectures() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => (new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" }, 0),
        Architecture.X86 => (new[] { "SCMP_ARCH_X86" }, 0),
        Architecture.Arm64 => (new[] { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" }, 0),
        Architecture.Arm or Architecture.Armv6 => (new[] { "SCMP_ARCH_ARM" }, 0),
        Architecture.S390x => (new[] { "SCMP_ARCH_S390X", "SCMP_ARCH_S390" }, 1),
        Architecture.Ppc64le => (new[] { "SCMP_ARCH_PPC64LE" }, 0),
        Architecture.LoongArch64 => (new[] { "SCMP_ARCH_LOONGARCH64" }, 0),
        var other => throw new LayerToolsException("SeccompUnsupportedArchitecture", ErrorKind.NotImplemented, $"RUN has no seccomp profile for this host's architecture ({other}).", other),
    };

    private static JsonObject Rule(IEnumerable<string> names, string action, JsonObject? argument = null, int? errno = null)
    {
        var rule = new JsonObject
        {
            ["names"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["action"] = action,
        };
        if (errno is { } e)
        {
            rule["errnoRet"] = e;
        }

        if (argument is not null)
        {
            rule["args"] = new JsonArray(argument);
        }

        return rule;
    }

    private static JsonObject Argument(int index, long value, string op, long? valueTwo = null)
    {
        var argument = new JsonObject { ["index"] = index, ["value"] = value, ["op"] = op };
        if (valueTwo is { } two)
        {
            argument["valueTwo"] = two;
        }

        return argument;
    }
}
