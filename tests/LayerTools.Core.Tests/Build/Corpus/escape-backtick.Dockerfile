# escape=`

FROM mcr.microsoft.com/windows/servercore
RUN dir c:\ `
    && echo done
COPY testfile.txt c:\
WORKDIR c:\app
ENV PATH=c:\tools;c:\app `
    ROOT=c:\

