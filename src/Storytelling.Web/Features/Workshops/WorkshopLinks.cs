using QRCoder;

namespace Storytelling.Web.Features.Workshops;

/// <summary>The links, QR codes and guest cookie of a live session, the same for its endpoints and its pages.</summary>
public static class WorkshopLinks
{
    /// <summary>The guest's bearer token: HttpOnly so page scripts never hold it, Strict so no other site can use it.</summary>
    public static void SetGuestCookie(HttpContext http, string token) =>
        http.Response.Cookies.Append(WorkshopService.GuestCookie, token, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/", MaxAge = TimeSpan.FromHours(12), IsEssential = true,
        });

    public static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    public static string QrSvg(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(new System.Drawing.Size(320, 320), "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
