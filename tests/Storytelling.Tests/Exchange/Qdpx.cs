using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Exchange;

/// <summary>Reading, validating and hand-building REFI-QDA files in tests.</summary>
internal static class Qdpx
{
    public static readonly XNamespace Ns = "urn:QDA-XML:project:1.0";
    public static readonly XNamespace CodebookNs = "urn:QDA-XML:codebook:1.0";

    private static readonly string SchemaFolder = Path.Combine(Repo.Root, "tests", "Storytelling.Tests", "Exchange", "Schemas");

    /// <summary>Every schema error in the document (empty when it validates).</summary>
    public static List<string> Validate(byte[] xml, string ns, string schemaFile)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(ns, Path.Combine(SchemaFolder, schemaFile));
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message} (line {e.Exception?.LineNumber})");
        using var reader = XmlReader.Create(new MemoryStream(xml), settings);
        while (reader.Read())
        {
        }
        return errors;
    }

    public static Dictionary<string, byte[]> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        });
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var s = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                s.Write(content);
            }
        }
        return buffer.ToArray();
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A minimal, valid project: one code, one text source in Sources/, one coded selection.</summary>
    public static string ProjectXml(string codeGuid = "11111111-2222-3333-4444-555555555555", string sourcePath = "internal://a.txt",
        int start = 0, int end = 4, string codeRef = "11111111-2222-3333-4444-555555555555", string prolog = "") =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>{prolog}
        <Project xmlns="urn:QDA-XML:project:1.0" name="Hand">
          <CodeBook><Codes><Code guid="{codeGuid}" name="Werk" isCodable="true" color="#112233"/></Codes></CodeBook>
          <Sources>
            <TextSource guid="AAAAAAAA-2222-3333-4444-555555555555" name="Anna.txt" plainTextPath="{sourcePath}">
              <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-555555555555" startPosition="{start}" endPosition="{end}">
                <Coding guid="CCCCCCCC-2222-3333-4444-555555555555"><CodeRef targetGUID="{codeRef}"/></Coding>
              </PlainTextSelection>
            </TextSource>
          </Sources>
        </Project>
        """;
}
