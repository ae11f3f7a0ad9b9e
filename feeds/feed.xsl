<?xml version="1.0" encoding="UTF-8"?>
<!--
  feedwright's browser view of its RSS 2.0 and Atom 1.0 feeds (XSLT 1.0).
  Feed readers ignore this file; browsers that apply XSLT show the feed as a page.
  Item text is shown as plain text only: no HTML from the feed is ever interpreted.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="description" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="self"
      select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home"
      select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="older"
      select="/rss/channel/atom:link[@rel='prev-archive']/@href | /atom:feed/atom:link[@rel='prev-archive']/@href"/>
  <xsl:variable name="newer"
      select="/rss/channel/atom:link[@rel='next-archive']/@href | /atom:feed/atom:link[@rel='next-archive']/@href"/>
  <xsl:variable name="current"
      select="/rss/channel/atom:link[@rel='current']/@href | /atom:feed/atom:link[@rel='current']/@href"/>

  <xsl:template match="/">
    <html>
      <!-- The feed's language, for the browser's hyphenation, fonts and screen readers. -->
      <xsl:variable name="lang" select="/rss/channel/language | /atom:feed/@xml:lang"/>
      <xsl:if test="string($lang)">
        <xsl:attribute name="lang"><xsl:value-of select="$lang"/></xsl:attribute>
      </xsl:if>
      <head>
        <meta charset="UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font: 17px/1.5 Georgia, "Times New Roman", serif; color: #1d1d1f; background: #faf8f4;
                 max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 4rem;
                 overflow-wrap: anywhere; word-break: break-word; }
          header h1 { font-size: 1.9rem; margin: 0.2rem 0; }
          header p { color: #555; margin: 0.2rem 0 1rem; }
          .hint { font-family: system-ui, sans-serif; font-size: 0.95rem; background: #fff4d6;
                  border: 1px solid #e6c35c; border-radius: 6px; padding: 0.8rem 1rem; }
          .hint input { width: 100%; box-sizing: border-box; font: 0.9rem monospace; padding: 0.35rem;
                        margin-top: 0.4rem; border: 1px solid #bbb; border-radius: 4px; background: #fff; }
          ol.items { list-style: none; padding: 0; margin: 1.5rem 0; }
          ol.items li { border-bottom: 1px solid #e2ddd3; padding: 0.9rem 0; }
          .item-title { font-size: 1.2rem; font-weight: bold; color: #7a1f1f; text-decoration: none; }
          .item-title:hover { text-decoration: underline; }
          .date { display: block; font: 0.85rem system-ui, sans-serif; color: #777; }
          .summary { margin: 0.3rem 0 0; }
          nav.paging { font-family: system-ui, sans-serif; font-size: 0.95rem; }
          nav.paging a { margin-right: 1.2rem; }
          footer { color: #888; font: 0.8rem system-ui, sans-serif; margin-top: 2rem; }
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="$description"/></p>
        </header>
        <div class="hint" id="subscribe">
          <strong>This is a web feed.</strong>
          Copy this URL into your reader (NetNewsWire, Feedly, Thunderbird, a podcast app…) to get
          every new entry as it is published:
          <xsl:choose>
            <!-- On an archive page, the URL to subscribe to is the current feed's. -->
            <xsl:when test="$current">
              <input type="text" readonly="readonly" onclick="this.select()" value="{$current}"/>
            </xsl:when>
            <xsl:otherwise>
              <input type="text" readonly="readonly" onclick="this.select()" value="{$self}"/>
            </xsl:otherwise>
          </xsl:choose>
        </div>
        <xsl:if test="$older or $newer or $current">
          <nav class="paging">
            <xsl:if test="$current"><a href="{$current}">Latest entries</a></xsl:if>
            <xsl:if test="$newer"><a href="{$newer}">Newer archive</a></xsl:if>
            <xsl:if test="$older"><a href="{$older}">Older entries</a></xsl:if>
          </nav>
        </xsl:if>
        <ol class="items">
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </ol>
        <xsl:if test="not(/rss/channel/item | /atom:feed/atom:entry)">
          <p class="empty">No entries here yet.</p>
        </xsl:if>
        <footer>
          <xsl:if test="$home"><a href="{$home}">Visit the site</a> · </xsl:if>
          Styled for browsers by feedwright; your reader sees the plain feed.
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a class="item-title" href="{link}"><xsl:value-of select="title"/></a>
      <span class="date"><xsl:value-of select="substring(pubDate, 6, 11)"/></span>
      <p class="summary">
        <!-- An RSS description is HTML: its text comes written with references (&amp;amp;),
             shown here as the characters they stand for, still as text. -->
        <xsl:choose>
          <!-- Bounded by the references, not the length: a long summary of prose has few. -->
          <xsl:when test="string-length(description) - string-length(translate(description, '&amp;', '')) &lt;= 1000">
            <xsl:call-template name="unescaped">
              <xsl:with-param name="text" select="description"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="description"/></xsl:otherwise>
        </xsl:choose>
      </p>
    </li>
  </xsl:template>

  <!-- The text with the references escape_html writes (&amp;amp; &amp;lt; &amp;gt; &amp;quot;)
       read back; anything else after an ampersand is left as it is. One call per reference, so
       the count above bounds the depth (libxslt stops at 3,000). -->
  <xsl:template name="unescaped">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($text, '&amp;')"/>
        <xsl:variable name="name" select="substring-before($rest, ';')"/>
        <xsl:choose>
          <xsl:when test="$name = 'amp'">&amp;</xsl:when>
          <xsl:when test="$name = 'lt'">&lt;</xsl:when>
          <xsl:when test="$name = 'gt'">&gt;</xsl:when>
          <xsl:when test="$name = 'quot'">"</xsl:when>
          <xsl:otherwise>&amp;</xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="unescaped">
          <xsl:with-param name="text">
            <xsl:choose>
              <xsl:when test="$name = 'amp' or $name = 'lt' or $name = 'gt' or $name = 'quot'">
                <xsl:value-of select="substring-after($rest, ';')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a class="item-title" href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      <span class="date"><xsl:value-of select="substring(atom:published | atom:updated[not(../atom:published)], 1, 10)"/></span>
      <p class="summary"><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
